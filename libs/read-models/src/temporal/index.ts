export * from './entities';
export * from './project';
export * from './queries';
export * from './views';
export * from './migration';
export * from './rebuild';
