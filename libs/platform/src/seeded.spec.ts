import { validate, version } from 'uuid';
import { seededUuids } from './seeded';

describe('seededUuids', () => {
  it('gives valid version-4 UUIDs (RFC 9562 variant), checked by the uuid package', () => {
    const next = seededUuids(7);
    for (let i = 0; i < 1000; i++) {
      const id = next();
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(4);
      expect('89ab').toContain(id[19]);
    }
  });

  it('repeats for the same seed, differs for another, and does not repeat itself in 100,000 draws', () => {
    const a = seededUuids(11);
    const b = seededUuids(11);
    const c = seededUuids(12);
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const x = a();
      expect(b()).toBe(x);
      seen.add(x);
      if (i < 10) expect(c()).not.toBe(x);
    }
    expect(seen.size).toBe(100_000);
  });
});
