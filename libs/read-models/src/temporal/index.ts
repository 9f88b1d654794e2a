export * from './entities';
export * from './project';
export * from './queries';
export type { InstantCut } from './as-of-statement';
export * from '../migrations/1764400000000-temporal-read-models';
export * from './rebuild';
