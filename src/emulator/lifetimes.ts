// B2C's token lifetime settings, changeable while the emulator runs (a test shortens the access
// token's to make MSAL refresh). A value applies to tokens issued after it is set.

export interface TokenLifetimes {
  /** Access and ID tokens (B2C's "Access & ID token lifetimes"); default 3600. */
  accessTokenSeconds: number;
  /** Each refresh token, counted from its own issue; default 14 days. */
  refreshTokenSeconds: number;
}

export const DEFAULT_LIFETIMES: Readonly<TokenLifetimes> = { accessTokenSeconds: 3600, refreshTokenSeconds: 14 * 86400 };

// B2C's upper bounds (24 hours, 90 days); no lower bound beyond one second, so tests can run fast.
const MAXIMA: Readonly<TokenLifetimes> = { accessTokenSeconds: 86400, refreshTokenSeconds: 90 * 86400 };

export function checkLifetime(field: keyof TokenLifetimes, value: unknown, label = `lifetimes.${field}`): number {
  const max = MAXIMA[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`${label} must be a whole number of seconds from 1 to ${max}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** A settings object whose fields are validated on every assignment (own, enumerable accessors). */
export function tokenLifetimes(initial: Partial<TokenLifetimes> = {}): TokenLifetimes {
  let access = checkLifetime('accessTokenSeconds', initial.accessTokenSeconds ?? DEFAULT_LIFETIMES.accessTokenSeconds);
  let refresh = checkLifetime('refreshTokenSeconds', initial.refreshTokenSeconds ?? DEFAULT_LIFETIMES.refreshTokenSeconds);
  return {
    get accessTokenSeconds() { return access; },
    set accessTokenSeconds(value: number) { access = checkLifetime('accessTokenSeconds', value); },
    get refreshTokenSeconds() { return refresh; },
    set refreshTokenSeconds(value: number) { refresh = checkLifetime('refreshTokenSeconds', value); },
  };
}
