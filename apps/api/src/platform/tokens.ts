/** Injection tokens for what the app module provides (interfaces have no runtime class to inject by). */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
export const CLOCK = Symbol('CLOCK');
export const JWT_SECRET = Symbol('JWT_SECRET');
/** Whether the process was started with --demo: only then is the demo county's sign-in list served. */
export const DEMO_MODE = Symbol('DEMO_MODE');
