import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jwt from 'jsonwebtoken';
import { ROLES, type Actor, type UserRole } from '@ledger/contracts/events';
import type { LedgerConfig } from './config';

/** The claims the API accepts (API.md, Authentication). */
export interface TokenClaims {
  sub: string;
  role: UserRole;
  /** Required for `unit`: the unit whose subtree the user acts for. */
  unitId?: string | null;
  name?: string;
}

export class InvalidTokenError extends Error {}

const SECRET_FILE = 'jwt-secret';

/**
 * The HS256 secret: LEDGER_JWT_SECRET, else one generated on first use and kept in
 * `<dataDir>/jwt-secret` (mode 0600) so that the CLI and the server, given the same data dir, agree.
 */
export function resolveJwtSecret(config: Pick<LedgerConfig, 'jwtSecret' | 'dataDir'>): string {
  if (config.jwtSecret) return config.jwtSecret;
  const file = path.join(config.dataDir, SECRET_FILE);
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    // 'wx' fails if the file exists: two processes starting at once keep the first one's secret.
    fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 16) throw new Error(`${file} holds a secret shorter than 16 characters; delete it to regenerate`);
  return secret;
}

export function signToken(claims: TokenClaims, secret: string, options: { expiresIn?: string | number } = {}): string {
  const problems = claimProblems(claims);
  if (problems.length) throw new InvalidTokenError(problems.join('; '));
  const payload: Record<string, unknown> = { sub: claims.sub, role: claims.role };
  if (claims.unitId) payload.unitId = claims.unitId;
  if (claims.name) payload.name = claims.name;
  return jwt.sign(payload, secret, {
    algorithm: 'HS256',
    ...(options.expiresIn !== undefined ? { expiresIn: options.expiresIn as jwt.SignOptions['expiresIn'] } : {}),
  });
}

/**
 * jsonwebtoken turns a string secret into a KeyObject on every verify, first trying it as a public
 * key (a thrown error each time): most of a request's CPU. The same conversion, once per secret.
 */
const keys = new Map<string, crypto.KeyObject>();
function keyOf(secret: string): crypto.KeyObject {
  let key = keys.get(secret);
  if (!key) {
    try {
      key = crypto.createPublicKey(secret);
    } catch {
      key = crypto.createSecretKey(Buffer.from(secret));
    }
    if (keys.size >= 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** Verifies signature, algorithm, expiry and the claims' shape; returns the acting user. */
export function verifyToken(token: string, secret: string): Actor {
  let decoded: string | jwt.JwtPayload;
  try {
    decoded = jwt.verify(token, secret ? keyOf(secret) : secret, { algorithms: ['HS256'] });
  } catch (e) {
    throw new InvalidTokenError((e as Error).message);
  }
  if (typeof decoded !== 'object' || decoded === null) throw new InvalidTokenError('token payload is not an object');
  const claims = decoded as Record<string, unknown>;
  const problems = claimProblems(claims);
  if (problems.length) throw new InvalidTokenError(problems.join('; '));
  return {
    userId: claims.sub as string,
    role: claims.role as UserRole,
    unitId: typeof claims.unitId === 'string' ? claims.unitId : null,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
  };
}

function claimProblems(c: Record<string, unknown> | TokenClaims): string[] {
  const p: string[] = [];
  const claims = c as Record<string, unknown>;
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) p.push('sub must be a non-empty string');
  if (typeof claims.role !== 'string' || !(ROLES as readonly string[]).includes(claims.role)) p.push(`role must be one of ${ROLES.join(', ')}`);
  if (claims.unitId !== undefined && claims.unitId !== null && typeof claims.unitId !== 'string') p.push('unitId must be a string');
  if (claims.role === 'unit' && (typeof claims.unitId !== 'string' || claims.unitId.length === 0)) p.push('unitId is required for role unit');
  if (claims.name !== undefined && typeof claims.name !== 'string') p.push('name must be a string');
  return p;
}
