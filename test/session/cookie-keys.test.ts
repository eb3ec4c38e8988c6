// The session cookie's signature: the same `.sig` as keygrip's (so cookies signed before stay
// valid), and nothing accepted that the keys did not sign.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CookieKeys } from '../../src/http/cookie-keys.ts';

/** keygrip's signature, as its source makes it: HMAC-SHA1, base64 made URL-safe, no padding. */
const keygripSign = (data: string, key: string) =>
  createHmac('sha1', key).update(data).digest('base64').replace(/\/|\+|=/g, (x) => ({ '/': '_', '+': '-', '=': '' })[x]!);

describe('CookieKeys', () => {
  const data = 'b2c.sid=717a5f1e-8f75-4f2b-942a-660c07700936';

  it('signs as keygrip does, with the first key', () => {
    for (const value of [data, 'a=', 'b2c.sid=ÿ', 'x'.repeat(300)]) {
      expect(new CookieKeys(['secret-1', 'secret-0']).sign(value)).toBe(keygripSign(value, 'secret-1'));
    }
  });

  it('accepts a signature by any key and says which', () => {
    const keys = new CookieKeys(['new', 'old']);
    expect(keys.index(data, keygripSign(data, 'new'))).toBe(0);
    expect(keys.index(data, keygripSign(data, 'old'))).toBe(1);
    expect(keys.verify(data, keygripSign(data, 'old'))).toBe(true);
  });

  it('refuses a signature of other data, by another key, altered, cut or empty', () => {
    const keys = new CookieKeys(['secret']);
    const good = keys.sign(data);
    expect(keys.verify(`${data}x`, good)).toBe(false);
    expect(keys.verify(data, keygripSign(data, 'other'))).toBe(false);
    expect(keys.verify(data, `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(keys.verify(data, good.slice(0, -1))).toBe(false);
    expect(keys.verify(data, `${good}=`)).toBe(false);
    expect(keys.verify(data, '')).toBe(false);
  });

  it('needs a key', () => {
    expect(() => new CookieKeys([])).toThrow();
  });
});
