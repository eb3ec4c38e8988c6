// The session cookie's `.sig`, as keygrip (Koa's default for app.keys) makes and checks it:
// HMAC-SHA1 of `name=value`, base64url without padding, the first key signing and every key
// accepted (rotation). The check compares with crypto.timingSafeEqual; keygrip's tsscmp draws 32
// fresh random octets and two more HMACs for every comparison, a system call on every request
// that carries a cookie.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Koa's app.keys takes it as it takes a Keygrip. */
export class CookieKeys {
  // Key objects made once: a string key is prepared again by every createHmac.
  private readonly keys: readonly KeyObject[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('at least one cookie key is needed');
    this.keys = keys.map((key) => createSecretKey(Buffer.from(key)));
  }

  sign(data: string): string {
    return signature(data, this.keys[0]!);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** Which key signed `data` into `digest`, or -1. */
  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest));
    for (let i = 0; i < this.keys.length; i += 1) {
      const expected = Buffer.from(signature(data, this.keys[i]!));
      // Lengths are public (every signature has 27 characters); contents are compared in constant time.
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }
}

const signature = (data: string, key: KeyObject) => createHmac('sha1', key).update(data).digest('base64url');
