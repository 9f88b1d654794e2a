export * from './commands';
export * from './state';
export * from './evolve';
export * from './policies';
export * from './decide';
