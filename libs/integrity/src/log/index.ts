export * from './rfc9162';
export * from './checkpoint';
export * from './log-tree-store';
export * from './verifiable-log';
export * from './config';
export * from './log-setup';
export * from './suite-switch';
export * from './print';
