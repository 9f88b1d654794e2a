import type { AccessEntryInput } from '../access-chain';

/** An inspector's read of the accountability register, answered: the access entry the specs vary. */
export const accessEntry = (over: Partial<AccessEntryInput> & { at: string }): AccessEntryInput & { at: string } => ({
  actor: 'u-1',
  role: 'inspector',
  name: '张督查',
  address: '127.0.0.1',
  action: 'register-read',
  target: 'GET /api/v1/accountability',
  outcome: 'ok',
  status: 200,
  detail: null,
  ...over,
});
