// Encryption at rest: what the store holds opens only with our secrets, under its own key, untouched.
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../src/session/sealer.ts';

describe('Sealer', () => {
  const a = 'first-secret-first-secret-first-secret';
  const b = 'second-secret-second-secret-second-secret';

  it('opens what it sealed, and the sealed text shows nothing of the plaintext', () => {
    const sealer = new Sealer([a]);
    const sealed = sealer.seal('{"user":"Ada Lovelace"}', 'key-1');
    expect(sealed).not.toContain('Ada');
    expect(sealer.open(sealed, 'key-1')).toBe('{"user":"Ada Lovelace"}');
    expect(sealer.seal('same', 'k')).not.toBe(sealer.seal('same', 'k')); // a fresh IV each time
  });

  it('never uses an IV twice, across refills of the pool the IVs are drawn from', () => {
    const sealer = new Sealer([a]);
    // 341 IVs per 4 KB pool read (src/random.ts): 2,000 seals cross several refills, each still opens.
    const sealed = Array.from({ length: 2000 }, () => sealer.seal('same', 'k'));
    expect(new Set(sealed.map((value) => value.split('.')[2])).size).toBe(2000);
    expect(sealed.every((value) => sealer.open(value, 'k') === 'same')).toBe(true);
  });

  it('rotation: a new secret opens what the previous one sealed only while the previous one is listed', () => {
    const sealed = new Sealer([a]).seal('session', 'k');
    expect(new Sealer([b, a]).open(sealed, 'k')).toBe('session');
    expect(new Sealer([b]).open(sealed, 'k')).toBeUndefined();
    // What is sealed after the rotation uses the new secret.
    expect(new Sealer([b]).open(new Sealer([b, a]).seal('session', 'k'), 'k')).toBe('session');
  });

  it('refuses a value moved to another key, altered, with a shortened tag, or not sealed at all', () => {
    const sealer = new Sealer([a]);
    const sealed = sealer.seal('session', 'k');
    const [version, id, iv, body, tag] = sealed.split('.') as [string, string, string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(sealer.open(sealed, 'other-key')).toBeUndefined();
    expect(sealer.open([version, id, iv, flip(body), tag].join('.'), 'k')).toBeUndefined();
    expect(sealer.open([version, id, flip(iv), body, tag].join('.'), 'k')).toBeUndefined();
    expect(sealer.open([version, id, iv, body, tag.slice(0, 6)].join('.'), 'k')).toBeUndefined();
    expect(sealer.open('{"machine":{"value":"signedIn"}}', 'k')).toBeUndefined();
    expect(sealer.open(`${sealed}.extra`, 'k')).toBeUndefined();
  });
});
