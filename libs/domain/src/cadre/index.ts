export * from './cadre';
