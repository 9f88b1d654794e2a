export * from './entities';
export * from './project';
export * from './queries';
export * from '../migrations/1764400000000-temporal-read-models';
export * from './rebuild';
