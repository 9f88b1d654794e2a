export * from './unit';
export * from './unit-tree';
