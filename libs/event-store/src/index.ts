export * from './port';
export * from './hash-chain';
export * from './storage-full';
export * from './events-between';
export * from './sqlite';
export * from './postgres';
export * from './data-folder';
export * from './thread-entry';
