import * as crypto from 'node:crypto';

/**
 * An API key (issue 16, point 6): `lk_<key id>_<secret>`, opaque rather than a JWT, so that nothing in
 * it (role, unit, expiry) is trusted: the credentials table says, at each use, whether it is still
 * good and for which account. Only SHA-256(secret) is kept.
 */
const KEY = /^lk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const looksLikeApiKey = (token: string): boolean => token.startsWith('lk_');

export function parseApiKey(token: string): { keyId: string; secret: string } | null {
  const m = KEY.exec(token);
  return m ? { keyId: m[1], secret: m[2] } : null;
}

export function newApiKey(): { keyId: string; secret: string; key: string; secretHash: string } {
  const keyId = crypto.randomBytes(8).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  return { keyId, secret, key: `lk_${keyId}_${secret}`, secretHash: secretHash(secret) };
}

export const secretHash = (secret: string): string => crypto.createHash('sha256').update(secret).digest('hex');

/** `90d`, `12h`, `30m`: the key's lifetime in milliseconds; anything else null. */
export function lifetimeMs(text: string): number | null {
  const m = /^([1-9][0-9]{0,5})([dhm])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}
