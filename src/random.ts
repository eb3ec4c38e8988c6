// Random octets for what the app makes per request (state, nonce and PKCE verifier; a sealed
// cookie's IV; a visitor's reference), read from the CSPRNG 4 KB at a time. Each read is a system
// call (~5-7 µs here), as crypto.randomUUID avoids by caching its own; a /signin needed three.
// Every octet is still fresh CSPRNG output handed out once: copied out, then zeroed in the pool.
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` random octets (at most 4096), never handed out before. */
export function randomOctets(n: number): Buffer {
  if (!Number.isInteger(n) || n < 1 || n > POOL_SIZE) throw new RangeError(`randomOctets: 1 to ${POOL_SIZE} octets, not ${n}`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const taken = Buffer.from(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return taken;
}
