export * from './sheet';
export * from './sheet-number';
