// What B2C checks about a refresh token and oidc-provider keeps no slot for: the user flow that issued
// it (it is redeemable only there), its own B2C lifetime, and the test faults that revoke or expire
// an account's tokens. Recorded when a token response carries a refresh token, read when one is
// redeemed (findAccount in provider.ts, after client authentication).
import { GRANT_EXPIRED, GRANT_FROM_OTHER_FLOW, GRANT_REVOKED } from './b2c-errors.ts';
import type { Faults } from './faults.ts';

export interface IssuedRefreshToken {
  flow: string;
  accountId: string;
  /** Issue order, so a fault can refuse exactly the tokens issued before it was set. */
  serial: number;
  expiresAt: number;
}

/**
 * oidc-provider keeps each refresh token this long past its B2C lifetime (see provider.ts), so an
 * expired one is still found and refused as expired (AADB2C90080) instead of as unknown.
 */
export const EXPIRED_GRACE_SECONDS = 86400;

export class RefreshTokens {
  readonly #byJti = new Map<string, IssuedRefreshToken>();
  #serial = 0;

  /** How many refresh tokens have been issued so far. */
  get issued(): number { return this.#serial; }

  record(jti: string, token: { flow: string; accountId: string }, lifetimeSeconds: number): void {
    this.#serial += 1;
    // Entries past their grace are dropped now and then, so unredeemed ones do not pile up.
    if (this.#serial % 500 === 0) {
      for (const [key, entry] of this.#byJti) if (gone(entry)) this.#byJti.delete(key);
    }
    this.#byJti.set(jti, { ...token, serial: this.#serial, expiresAt: Date.now() + lifetimeSeconds * 1000 });
  }

  find(jti: string): IssuedRefreshToken | undefined {
    const entry = this.#byJti.get(jti);
    if (entry && gone(entry)) this.#byJti.delete(jti);
    return entry && !gone(entry) ? entry : undefined;
  }
}

const gone = (entry: IssuedRefreshToken): boolean => entry.expiresAt + EXPIRED_GRACE_SECONDS * 1000 <= Date.now();

/** Why B2C would refuse this refresh token at this flow's token endpoint (its error description), or undefined. */
export function refreshTokenRefusal(tokens: RefreshTokens, faults: Faults, jti: string, flow: string): string | undefined {
  const issued = tokens.find(jti);
  // oidc-provider still has it but the emulator has forgotten it: it is past its lifetime and grace.
  if (!issued) return GRANT_EXPIRED;
  if (issued.flow !== flow) return GRANT_FROM_OTHER_FLOW;
  const fault = faults.refreshTokenFault(issued.accountId, issued.serial);
  if (fault === 'revoked') return GRANT_REVOKED;
  if (fault === 'expired' || issued.expiresAt <= Date.now()) return GRANT_EXPIRED;
  return undefined;
}
