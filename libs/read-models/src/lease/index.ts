export * from './lease';
export * from './leased-projector';
