export * from './shared/decider';
export * from './shared/rejections';
export * from './shared/policies';
export * from './unit';
export * from './cadre';
export * from './sheet';
export * from './item';
export * from './registry';
