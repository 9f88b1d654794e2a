import * as crypto from 'node:crypto';

/**
 * Password hashes as PHC-like strings: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64 without padding).
 * scrypt from node:crypto: memory-hard, and no native dependency to build. The parameters travel with
 * each hash, so stronger ones later still verify the old.
 */
const DEFAULT = { ln: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, params: { ln: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** params.ln;
  // scrypt needs 128·N·r bytes; node's default cap (32 MB) is exactly that at ln=15, r=8: leave room.
  const maxmem = 256 * N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r: params.r, p: params.p, maxmem }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params = DEFAULT): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const m = PHC.exec(phc);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5], 'base64');
  const key = await scrypt(password, Buffer.from(m[4], 'base64'), { ln, r, p });
  return key.length === expected.length && crypto.timingSafeEqual(key, expected);
}

/** Without look-alikes (0/O, 1/l/I): a one-time password is read off a screen and typed. */
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';

/** A one-time password: 16 characters with upper and lower case letters and digits (~93 bits). */
export function generatePassword(length = 16): string {
  const all = UPPER + LOWER + DIGITS;
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += all[crypto.randomInt(all.length)];
    if (/[A-Z]/.test(out) && /[a-z]/.test(out) && /[0-9]/.test(out)) return out;
  }
}
