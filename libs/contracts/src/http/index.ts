export * from './common';
export * from './units';
export * from './cadres';
export * from './sheets';
export * from './items';
export * from './accountability';
export * from './queries';
export * from './views';
