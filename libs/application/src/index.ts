export * from './handle-command';
export * from './facts';
