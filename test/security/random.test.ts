// The pooled CSPRNG reads behind state, nonce, PKCE, IVs and visitor references (src/random.ts):
// what an attacker would hope for is a value handed out twice, or the zeroes of a used pool.
import { describe, expect, it } from 'vitest';
import { randomOctets } from '../../src/random.ts';

describe('randomOctets', () => {
  it('hands out no octets twice and no zeroed run, across many refills of the pool', () => {
    // 12-octet draws (IVs) and 96-octet draws (a sign-in's secrets), interleaved: 20,000 draws,
    // ~1 MB, some 250 refills, with draws that no longer fit at a refill's edge.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const octets = randomOctets(i % 3 === 0 ? 96 : 12);
      expect(octets.length).toBe(i % 3 === 0 ? 96 : 12);
      expect(octets.every((octet) => octet === 0)).toBe(false);
      const text = octets.toString('hex');
      expect(seen.has(text)).toBe(false);
      seen.add(text);
    }
  });

  it('gives a copy: changing it changes nothing handed out later', () => {
    const first = randomOctets(32);
    const kept = Buffer.from(first);
    first.fill(0);
    const next = randomOctets(32);
    expect(next.equals(Buffer.alloc(32))).toBe(false);
    expect(kept.equals(Buffer.alloc(32))).toBe(false);
  });

  it.each([0, -1, 1.5, 4097, Number.NaN])('refuses %s octets with a RangeError', (n) => {
    expect(() => randomOctets(n)).toThrow(RangeError);
  });
});
