export * from './config';
export * from './clock';
export * from './escalation';
export * from './jwt';
export * from './engines';
export * from './seeded';
export * from './uuid-v5';
export * from '@ledger/event-store/data-folder';
