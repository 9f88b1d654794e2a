export * from './rfc9162';
export * from './checkpoint';
