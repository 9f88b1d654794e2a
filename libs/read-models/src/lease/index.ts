export * from './lease';
export * from './leased-projector';
export * from './pause';
