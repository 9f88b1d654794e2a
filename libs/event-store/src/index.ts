export * from './port';
export * from './sqlite';
export * from './postgres';
export * from './eventstoredb';
