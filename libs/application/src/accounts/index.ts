export * from './credentials.store';
export * from './session.store';
export * from './api-key';
export { generatePassword, hashPassword, verifyPassword } from './password-hash';
export * from './account-commands';
export * from './bootstrap';
