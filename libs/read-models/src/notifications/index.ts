export * from './rules';
export * from './routing';
export * from './outbox';
