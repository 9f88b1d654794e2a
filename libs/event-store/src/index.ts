export * from './port';
export * from './hash-chain';
export * from './sqlite';
export * from './postgres';
export * from './eventstoredb';
