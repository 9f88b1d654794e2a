export * from './config';
export * from './clock';
export * from './jwt';
