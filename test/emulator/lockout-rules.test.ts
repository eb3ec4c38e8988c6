// The lockout's rules on their own, with the time handed in: how long lockouts last as they repeat,
// and how many emails it keeps in memory. lockout.test.ts shows them through the sign-in page.
import { describe, expect, it } from 'vitest';

import { DEFAULT_LOCKOUT, Lockouts, lockoutSeconds, lockoutSettings } from '../../src/emulator/lockout.ts';

const T0 = 1_700_000_000_000;

describe('lockout rules', () => {
  it('B2C: the first ten lockouts last the base duration, the next ten longer, and so on, five hours at most', () => {
    expect([1, 10, 11, 20, 21, 31].map((n) => lockoutSeconds(60, n))).toEqual([60, 60, 120, 120, 240, 480]);
    expect(lockoutSeconds(60, 1000)).toBe(5 * 3600);
    expect(lockoutSeconds(5 * 3600, 50)).toBe(5 * 3600);
  });

  it('locks at the threshold, again after one more failure once it has ended, longer from the eleventh lockout', () => {
    const lockouts = new Lockouts(lockoutSettings({ threshold: 2, durationSeconds: 1 }));
    let now = T0;
    expect(lockouts.recordFailure('a@example.com', 'bad-1', now)).toBe(false);
    expect(lockouts.recordFailure('A@Example.com ', 'bad-2', now)).toBe(true);
    expect(lockouts.isLocked('a@example.com', now + 999)).toBe(true);
    expect(lockouts.isLocked('a@example.com', now + 1000)).toBe(false);
    for (let n = 2; n <= 11; n += 1) {
      now += 2000;
      expect(lockouts.recordFailure('a@example.com', `bad-again-${n}`, now)).toBe(true);
      expect(lockouts.isLocked('a@example.com', now + (n <= 10 ? 1000 : 1999))).toBe(n > 10);
    }
  });

  it('a success forgets the email; clear() forgets them all', () => {
    const lockouts = new Lockouts(lockoutSettings({ threshold: 2 }));
    lockouts.recordFailure('a@example.com', 'bad-1', T0);
    lockouts.forget('a@example.com');
    expect(lockouts.recordFailure('a@example.com', 'bad-2', T0)).toBe(false);
    expect(lockouts.recordFailure('b@example.com', 'bad-1', T0)).toBe(false);
    lockouts.clear();
    expect(lockouts.tracked).toBe(0);
  });

  it('keeps a bounded number of emails, forgetting the least recently tried first', () => {
    const lockouts = new Lockouts(lockoutSettings({ threshold: 1 }), 3);
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io']) lockouts.recordFailure(email, 'bad', T0);
    lockouts.recordFailure('a@x.io', 'bad', T0 + 120_000);
    lockouts.recordFailure('d@x.io', 'bad', T0);
    expect(lockouts.tracked).toBe(3);
    expect(['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'].map((email) => lockouts.isLocked(email, T0 + 1))).toEqual([true, false, true, true]);
  });

  it('defaults to B2C\'s settings and refuses nonsense', () => {
    expect(lockoutSettings()).toEqual(DEFAULT_LOCKOUT);
    expect(DEFAULT_LOCKOUT).toEqual({ threshold: 10, durationSeconds: 60 });
    expect(() => lockoutSettings({ threshold: -1 })).toThrow(/^lockout\.threshold must be a whole number from 1 to 1000, got -1$/);
  });
});
