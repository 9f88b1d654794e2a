import * as crypto from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { InvalidTokenError, signToken, verifyAccessToken, verifyToken } from './jwt';

const SECRET = 'jwt-spec-secret-0123456789abcdef';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const hs256 = (input: string, secret = SECRET) => crypto.createHmac('sha256', secret).update(input).digest('base64url');
const handMade = (header: unknown, payload: unknown, secret = SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${hs256(input, secret)}`;
};

/** The message verifyToken refuses with, or null when it accepts. */
function refusal(token: string, now?: Date): string | null {
  try {
    verifyToken(token, SECRET, now);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTokenError);
    return (e as Error).message;
  }
}

/** What jsonwebtoken, the reference, says of the same token. */
function reference(token: string, now?: Date): string | null {
  try {
    jwt.verify(token, SECRET, { algorithms: ['HS256'], ...(now ? { clockTimestamp: Math.floor(now.getTime() / 1000) } : {}) });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('verifyToken (HS256)', () => {
  it('accepts what signToken and jsonwebtoken sign, and returns the actor', () => {
    const token = signToken({ sub: 'u1', role: 'unit', unitId: 'heping', name: '支部书记' }, SECRET, { expiresIn: '1h' });
    expect(verifyToken(token, SECRET)).toEqual({ userId: 'u1', role: 'unit', unitId: 'heping', name: '支部书记' });
    expect(verifyToken(jwt.sign({ sub: 'i1', role: 'inspector' }, SECRET), SECRET)).toEqual({ userId: 'i1', role: 'inspector', unitId: null });
  });

  it('refuses each kind of bad token with the message jsonwebtoken gives', () => {
    // Both judge at one fixed instant (2033-05-18T03:33:20Z), not at whatever the wall clock says.
    const NOW = new Date(2_000_000_000_000);
    const good = signToken({ sub: 'u1', role: 'admin' }, SECRET);
    const [h, p, s] = good.split('.');
    const cases: Record<string, string> = {
      'another secret': signToken({ sub: 'u1', role: 'admin' }, 'another-secret-0123456789abcdef'),
      'payload altered': `${h}.${b64({ sub: 'u1', role: 'org_dept', iat: 1 })}.${s}`,
      'signature altered': `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`,
      'signature with a stray character': `${h}.${p}.${s}=`,
      'no signature': `${h}.${p}.`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      HS512: jwt.sign({ sub: 'u1', role: 'admin' }, SECRET, { algorithm: 'HS512' }),
      'two segments': `${h}.${p}`,
      'four segments': `${good}.x`,
      'not base64 JSON': 'not.a.jwt',
      empty: '',
      expired: handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'u1', role: 'admin', exp: 2_000_000_000 - 10 }),
      'not yet valid': handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'u1', role: 'admin', nbf: 2_000_000_000 + 3600 }),
      'exp not a number': handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'u1', role: 'admin', exp: 'tomorrow' }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const ours = refusal(token, NOW);
      expect({ name, refused: ours !== null }).toEqual({ name, refused: true });
      expect({ name, message: ours }).toEqual({ name, message: reference(token, NOW) });
    }
  });

  it('expiry is checked against the given instant, to the second', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'u1', role: 'admin', exp: 2_000_000_000 });
    expect(refusal(token, new Date(1_999_999_999_000))).toBeNull();
    expect(refusal(token, new Date(2_000_000_000_000))).toBe('jwt expired');
    expect(reference(token, new Date(2_000_000_000_000))).toBe('jwt expired');
  });

  it('checks the claims after the signature: an unknown role or a unit user without a unit is refused', () => {
    expect(refusal(jwt.sign({ sub: 'x', role: 'emperor' }, SECRET))).toMatch(/role must be one of/);
    expect(refusal(jwt.sign({ sub: 'x', role: 'unit' }, SECRET))).toMatch(/unitId is required/);
    expect(refusal(handMade({ alg: 'HS256' }, ['not', 'an', 'object']))).toBe('invalid token');
  });

  it('carries rank "leader" (部领导) when the token has it, and refuses any other rank', () => {
    const leader = signToken({ sub: 'l1', role: 'org_dept', rank: 'leader' }, SECRET);
    expect(verifyToken(leader, SECRET)).toEqual({ userId: 'l1', role: 'org_dept', unitId: null, rank: 'leader' });
    expect(verifyToken(jwt.sign({ sub: 'l2', role: 'org_dept', rank: 'leader' }, SECRET), SECRET)).toEqual({
      userId: 'l2',
      role: 'org_dept',
      unitId: null,
      rank: 'leader',
    });
    expect(refusal(jwt.sign({ sub: 'x', role: 'org_dept', rank: 'chief' }, SECRET))).toMatch(/rank must be leader/);
    expect(refusal(jwt.sign({ sub: 'x', role: 'org_dept', rank: 1 }, SECRET))).toMatch(/rank must be leader/);
    expect(() => signToken({ sub: 'x', role: 'org_dept', rank: 'chief' as 'leader' }, SECRET)).toThrow(/rank must be leader/);
  });
});

describe('verifyAccessToken on a token it verified before', () => {
  const access = (token: string, now: Date, secret = SECRET): string | ReturnType<typeof verifyAccessToken> => {
    try {
      return verifyAccessToken(token, secret, now);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidTokenError);
      return (e as Error).message;
    }
  };

  it('answers as jsonwebtoken does at every instant: not before, expiry, another secret, a changed signature', () => {
    const payload = { sub: 'u1', role: 'unit', unitId: 'township', sid: 'session-0123456789abcdef', nbf: 1_900_000_000, exp: 2_000_000_000 };
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, payload);
    const inside = new Date(1_950_000_000_000);
    const first = access(token, inside);
    expect(first).toEqual({ actor: { userId: 'u1', role: 'unit', unitId: 'township' }, sessionId: 'session-0123456789abcdef', mustChangePassword: false });
    // The same text again, at instants jsonwebtoken refuses it.
    for (const at of [new Date(1_899_999_999_000), new Date(2_000_000_000_000), inside]) expect(access(token, at)).toEqual(reference(token, at) ?? first);
    expect(access(token, inside, 'another-secret-0123456789abcdef')).toBe('invalid signature');
    const [h, p, s] = token.split('.');
    expect(access(`${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`, inside)).toBe('invalid signature');
    // What one caller does to the actor it was given is not what the next one gets.
    const mine = access(token, inside) as { actor: { unitId: string | null } };
    mine.actor.unitId = 'county';
    expect(access(token, inside)).toEqual(first);
  });
});
