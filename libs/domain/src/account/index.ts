export * from './account';
export * from './account-login';
