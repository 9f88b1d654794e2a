export * from './project';
export * from './rules';
export * from './star-rating';
