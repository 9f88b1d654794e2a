export * from './chain-walker';
export * from './keys';
export * from './merkle';
export * from './proof';
export * from './seal';
export * from './sealer';
export * from './verify-ledger';
