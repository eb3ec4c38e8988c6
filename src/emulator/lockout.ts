// B2C's smart lockout, made deterministic: wrong passwords in a row for one email lock that email's
// sign-in for a while. Counted per submitted email whether or not an account has it, so the
// lockout tells nobody which accounts exist. Times are passed in (`now`, ms) by the caller.
import { createHmac, randomBytes } from 'node:crypto';

export interface LockoutSettings {
  /** Wrong passwords in a row that lock an email the first time; B2C's default 10. */
  threshold: number;
  /** Length of the first ten lockouts in seconds; B2C's default 60. Later ones grow (lockoutSeconds). */
  durationSeconds: number;
}

export const DEFAULT_LOCKOUT: Readonly<LockoutSettings> = { threshold: 10, durationSeconds: 60 };

/** B2C: "Lockout periods can last up to five hours." Also the longest base duration accepted. */
export const MAX_LOCKOUT_SECONDS = 5 * 3600;
const MAXIMA: Readonly<LockoutSettings> = { threshold: 1000, durationSeconds: MAX_LOCKOUT_SECONDS };

/** Emails tracked at once; the least recently touched is forgotten first, so memory stays bounded. */
export const MAX_TRACKED_EMAILS = 10_000;
/** Entra ID's smart lockout remembers the last three bad passwords and does not count them again. */
const REMEMBERED_BAD_PASSWORDS = 3;

export function checkLockoutSetting(field: keyof LockoutSettings, value: unknown, label = `lockout.${field}`): number {
  const max = MAXIMA[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`${label} must be a whole number from 1 to ${max}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

export function lockoutSettings(options: Partial<LockoutSettings> = {}): Readonly<LockoutSettings> {
  if (typeof options !== 'object' || options === null) throw new TypeError('lockout must be an object');
  return Object.freeze({
    threshold: checkLockoutSetting('threshold', options.threshold ?? DEFAULT_LOCKOUT.threshold),
    durationSeconds: checkLockoutSetting('durationSeconds', options.durationSeconds ?? DEFAULT_LOCKOUT.durationSeconds),
  });
}

/**
 * How long the n-th lockout (1-based, since the last successful sign-in) lasts. B2C: the first ten
 * are the base length, the next ten "slightly longer", growing every ten, up to five hours; it does
 * not publish the factor, so the emulator doubles it every ten lockouts.
 */
export function lockoutSeconds(baseSeconds: number, lockoutNumber: number): number {
  const doublings = Math.floor(Math.max(0, lockoutNumber - 1) / 10);
  return Math.min(baseSeconds * 2 ** Math.min(doublings, 20), Math.max(baseSeconds, MAX_LOCKOUT_SECONDS));
}

interface Entry {
  /** Counted wrong passwords since the last lockout or success. */
  failures: number;
  /** Lockouts since the last success; after the first, one more failure locks again. */
  lockouts: number;
  lockedUntil: number;
  /** Keyed digests of the last bad passwords (never the passwords). */
  recent: string[];
}

export class Lockouts {
  readonly #entries = new Map<string, Entry>();
  readonly #key = randomBytes(32);

  constructor(readonly settings: Readonly<LockoutSettings>, private readonly maxTracked = MAX_TRACKED_EMAILS) {}

  isLocked(email: string, now: number): boolean {
    return now < (this.#entries.get(keyOf(email))?.lockedUntil ?? 0);
  }

  /** A wrong password, or an email no account has: counts it, and says whether the email is now locked. */
  recordFailure(email: string, password: string, now: number): boolean {
    const key = keyOf(email);
    const entry = this.#entries.get(key) ?? { failures: 0, lockouts: 0, lockedUntil: 0, recent: [] };
    if (now < entry.lockedUntil) return true;
    const digest = createHmac('sha256', this.#key).update(password.normalize('NFC')).digest('base64url');
    if (!entry.recent.includes(digest)) {
      entry.recent = [...entry.recent, digest].slice(-REMEMBERED_BAD_PASSWORDS);
      entry.failures += 1;
      // B2C: "If the first sign-in after a lockout also fails, the account locks again."
      if (entry.failures >= this.settings.threshold || entry.lockouts > 0) {
        entry.lockouts += 1;
        entry.failures = 0;
        entry.lockedUntil = now + lockoutSeconds(this.settings.durationSeconds, entry.lockouts) * 1000;
      }
    }
    this.#touch(key, entry);
    return now < entry.lockedUntil;
  }

  /** A successful sign-in (or a password reset): the email starts afresh. */
  forget(email: string): void {
    this.#entries.delete(keyOf(email));
  }

  clear(): void {
    this.#entries.clear();
  }

  get tracked(): number {
    return this.#entries.size;
  }

  #touch(key: string, entry: Entry): void {
    // Re-inserted so the Map's order is least recently touched first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxTracked) break;
      this.#entries.delete(oldest);
    }
  }
}

// As the account store compares emails.
const keyOf = (email: string): string => email.trim().toLowerCase();
