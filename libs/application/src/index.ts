export * from './handle-command';
export * from './facts';
export * from './accounts';
export * from './refusal';
export * from './sheets/import-sheet';
