// The secrets of one authorization request: RFC 7636's S256 pair, a state and a nonce, all fresh.
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { authorizationSecrets } from '../../src/identity/index.ts';

it('gives a 43-character verifier of unreserved characters and its S256 challenge', () => {
  const { verifier, challenge } = authorizationSecrets();
  expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
  expect(challenge).toBe(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
});

it('never repeats a value, within one request or across requests', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i += 1) {
    // 1000 requests: the random pool is refilled several times on the way.
    const { state, nonce, verifier } = authorizationSecrets();
    for (const value of [state, nonce, verifier]) {
      expect(value).toMatch(/^[\w-]{43}$/);
      seen.add(value);
    }
  }
  expect(seen.size).toBe(3000);
});
