import { v5 } from 'uuid';
import { prng } from './seeded';
import { uuidV5 } from './uuid-v5';

describe('uuidV5', () => {
  it('gives the ids the uuid package gives, for ASCII, Chinese and astral names (stored event ids depend on it)', () => {
    const namespace = '6f1c2a8e-3b4d-5e6f-8a9b-0c1d2e3f4a5b';
    const names = ['', 'a', 'key-1\nitem-I000001\n0', '黄原县和平乡党委\u0000item', '𠀀𝄞 emoji 😀', 'x'.repeat(1000)];
    const rnd = prng(5); // seeded: a name that ever differs comes back on the next run
    for (let i = 0; i < 200; i++) names.push(`${rnd().toString(36)}\n${String.fromCharCode(0x4e00 + i)}\n${i}`);
    for (const name of names) expect(uuidV5(name, namespace)).toBe(v5(name, namespace));
    expect(uuidV5('a', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(v5('a', v5.DNS));
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('a', 'not-a-uuid')).toThrow('not a UUID');
  });
});
