import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jwt from 'jsonwebtoken';
import { RANKS, ROLES, type Actor, type ActorRank, type UserRole } from '@ledger/contracts/events';
import type { LedgerConfig } from './config';
import { ensureDataDir } from '@ledger/event-store/data-folder';

/** The claims the API accepts (API.md, Authentication). */
export interface TokenClaims {
  sub: string;
  role: UserRole;
  /** Required for `unit`: the unit whose subtree the user acts for. */
  unitId?: string | null;
  name?: string;
  /** `leader` (部领导): may approve a second or later extension (DOMAIN.md). */
  rank?: ActorRank;
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
  ensureDataDir(config.dataDir);
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
  if (claims.rank) payload.rank = claims.rank;
  return jwt.sign(payload, secret, {
    algorithm: 'HS256',
    ...(options.expiresIn !== undefined ? { expiresIn: options.expiresIn as jwt.SignOptions['expiresIn'] } : {}),
  });
}

/**
 * HS256 only, so the check is one HMAC over the first two segments: jsonwebtoken's verify (a key
 * object per call, streams, option checks) cost ~4% of a command's API CPU. Its error messages are
 * kept: the web app words 'jwt expired' as a request to log in again.
 */
function verifiedPayload(token: string, secret: string, nowSeconds: number): Record<string, unknown> {
  if (!token) throw new InvalidTokenError('jwt must be provided');
  if (!secret) throw new InvalidTokenError('secret or public key must be provided');
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) throw new InvalidTokenError('jwt malformed');
  if (!JWS_SHAPE.test(token)) throw new InvalidTokenError('invalid token');
  const header = parseSegment(token.slice(0, first));
  if (second === token.length - 1) throw new InvalidTokenError('jwt signature is required');
  if (header.alg !== 'HS256') throw new InvalidTokenError('invalid algorithm');
  // Compared as the base64url text, like jws: a signature with stray characters is not the same token.
  const expected = Buffer.from(crypto.createHmac('sha256', secret).update(token.slice(0, second)).digest('base64url'));
  const given = Buffer.from(token.slice(second + 1));
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new InvalidTokenError('invalid signature');
  const payload = parseSegment(token.slice(first + 1, second));
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw new InvalidTokenError('invalid nbf value');
    if (payload.nbf > nowSeconds) throw new InvalidTokenError('jwt not active');
  }
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('invalid exp value');
    if (nowSeconds >= payload.exp) throw new InvalidTokenError('jwt expired');
  }
  return payload;
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function parseSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('invalid token');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError('invalid token');
  return value as Record<string, unknown>;
}

/** Verifies signature, algorithm, expiry and the claims' shape; returns the acting user. */
export function verifyToken(token: string, secret: string, now: Date = new Date()): Actor {
  const claims = verifiedPayload(token, secret, Math.floor(now.getTime() / 1000));
  const problems = claimProblems(claims);
  if (problems.length) throw new InvalidTokenError(problems.join('; '));
  return {
    userId: claims.sub as string,
    role: claims.role as UserRole,
    unitId: typeof claims.unitId === 'string' ? claims.unitId : null,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    ...(typeof claims.rank === 'string' ? { rank: claims.rank as ActorRank } : {}),
  };
}

/** What a sign-in's access token carries beside the actor (ledger tokens carry neither). */
export interface SessionClaims {
  /** The server-side session: signing out, a lock or a reset ends every token of it at once. */
  sessionId: string | null;
  /** Signed in with an initial, reset or expired password: only the password change and sign-out. */
  mustChangePassword: boolean;
}

/** An access token of a session: expiry from the app's clock (tests move it), never the wall clock. */
export function signAccessToken(claims: TokenClaims & { sid: string; mcp: boolean }, secret: string, options: { now: Date; expiresInSeconds: number }): string {
  const problems = claimProblems(claims);
  if (problems.length) throw new InvalidTokenError(problems.join('; '));
  const iat = Math.floor(options.now.getTime() / 1000);
  const payload: Record<string, unknown> = { sub: claims.sub, role: claims.role, sid: claims.sid, iat, exp: iat + options.expiresInSeconds };
  if (claims.mcp) payload.mcp = true;
  if (claims.unitId) payload.unitId = claims.unitId;
  if (claims.name) payload.name = claims.name;
  if (claims.rank) payload.rank = claims.rank;
  return jwt.sign(payload, secret, { algorithm: 'HS256' });
}

/** verifyToken, and the session claims of a sign-in's token. */
export function verifyAccessToken(token: string, secret: string, now: Date): { actor: Actor } & SessionClaims {
  const key = `${secret}\n${token}`;
  const known = verifiedAccessTokens.get(key);
  if (known) {
    // The same text verified before: only the instant-dependent checks can answer otherwise now.
    const seconds = Math.floor(now.getTime() / 1000);
    if (known.nbf !== undefined && known.nbf > seconds) throw new InvalidTokenError('jwt not active');
    if (known.exp !== undefined && seconds >= known.exp) throw new InvalidTokenError('jwt expired');
    return { actor: { ...known.actor }, sessionId: known.sessionId, mustChangePassword: known.mustChangePassword };
  }
  const actor = verifyToken(token, secret, now);
  // The signature is verified above: the payload is the signed one.
  const payload = parseSegment(token.slice(token.indexOf('.') + 1, token.lastIndexOf('.')));
  if (payload.sid !== undefined && (typeof payload.sid !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(payload.sid))) throw new InvalidTokenError('invalid sid');
  const verified = { actor, sessionId: typeof payload.sid === 'string' ? payload.sid : null, mustChangePassword: payload.mcp === true };
  if (verifiedAccessTokens.size >= MAX_VERIFIED_ACCESS_TOKENS) verifiedAccessTokens.clear();
  verifiedAccessTokens.set(key, { ...verified, actor: { ...actor }, nbf: payload.nbf as number | undefined, exp: payload.exp as number | undefined });
  return verified;
}

/**
 * Access tokens verified before, by secret and exact text: a client sends its token with every request,
 * and its HMAC and JSON parses were half of the auth guard's time per command (2.4% of the API's busy main thread in the service bench). Bounded, and
 * only the text that verified hits it: a changed character, or another secret, is verified afresh.
 */
const verifiedAccessTokens = new Map<string, { actor: Actor; nbf: number | undefined; exp: number | undefined } & SessionClaims>();
const MAX_VERIFIED_ACCESS_TOKENS = 10_000;

function claimProblems(c: Record<string, unknown> | TokenClaims): string[] {
  const p: string[] = [];
  const claims = c as Record<string, unknown>;
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) p.push('sub must be a non-empty string');
  if (typeof claims.role !== 'string' || !(ROLES as readonly string[]).includes(claims.role)) p.push(`role must be one of ${ROLES.join(', ')}`);
  if (claims.unitId !== undefined && claims.unitId !== null && typeof claims.unitId !== 'string') p.push('unitId must be a string');
  if (claims.role === 'unit' && (typeof claims.unitId !== 'string' || claims.unitId.length === 0)) p.push('unitId is required for role unit');
  if (claims.name !== undefined && typeof claims.name !== 'string') p.push('name must be a string');
  if (claims.rank !== undefined && !(RANKS as readonly unknown[]).includes(claims.rank)) p.push(`rank must be ${RANKS.join(' or ')} when given`);
  return p;
}
