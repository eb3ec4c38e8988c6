// Password hashing (scrypt, random salt, timing-safe compare) and B2C's password policy.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 64;
const COST: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
/** Longer inputs are refused before hashing so nobody can make scrypt chew megabytes. */
export const MAX_PASSWORD_LENGTH = 256;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, COST, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$<salt>$<key>` (base64url); the cost parameters are fixed above. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt);
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key || password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Why a new password is refused, in words for the page; undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return 'The password must be at least 8 characters long.';
  if (password.length > MAX_PASSWORD_LENGTH) return `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`;
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) {
    return 'The password must contain at least one letter and one digit.';
  }
  return undefined;
}
