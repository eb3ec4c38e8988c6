// Test-only fault switches. They live on the Emulator object and nowhere else: no route reads or
// writes them, so nothing reachable over HTTP can turn a fault on.
import { randomUUID } from 'node:crypto';
import { CompactSign, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';

import type { SigningKey } from './signing-keys.ts';

export type TokenEndpointFault = 'ok' | 'error500' | 'error429' | 'hang' | 'malformed';
/** The Retry-After (seconds) the error429 fault sends, as B2C's throttling does. */
export const THROTTLED_RETRY_AFTER_SECONDS = 30;
export type IdTokenFault =
  | 'wrongNonce' | 'wrongAudience' | 'wrongIssuer' | 'expired'
  | 'badSignature' | 'missingSub' | 'missingIat' | 'missingKid'
  // The skew the app allows is 120 s: these are dated well inside it or well outside it.
  | 'futureIat' | 'futureNbf' | 'expiredWithinSkew' | 'expiredPastSkew'
  // Another user flow of the tenant: named in `tfp`, or in `acr` as older tenants do.
  | 'otherFlow' | 'otherFlowAcr'
  | 'missingNonce'
  // Another tenant's id in `tid` (External ID's tenant check; a B2C token gains a `tid` it never has).
  | 'wrongTenant';

/** The tenant id the wrongTenant fault writes (another when the emulator's own is this one). */
export const OTHER_TENANT_ID = '00000000-0000-4000-8000-0000000000ff';

export interface FaultSwitches {
  /** 'error500': answers 500; 'error429': answers 429 Too Many Requests with Retry-After
   *  (THROTTLED_RETRY_AFTER_SECONDS); 'hang': never answers until close(); 'malformed': 200 with broken JSON. */
  tokenEndpoint: TokenEndpointFault;
  /** Spoils the ID token of every successful token response in one way; null for honest tokens. */
  idToken: IdTokenFault | null;
  /** 'error500': the keys endpoint (JWKS) answers 500. */
  keysEndpoint: 'ok' | 'error500';
  /** A new key signs from now on and the keys endpoint serves only it. Not undone by reset(). */
  rotateSigningKey(): Promise<void>;
  /** Every refresh token issued to the account so far is refused: invalid_grant, AADB2C90129. */
  revokeRefreshTokens(accountId: string): void;
  /** Every refresh token issued to the account so far is refused: invalid_grant, AADB2C90080. */
  expireRefreshTokens(accountId: string): void;
  /**
   * Every token request waits this long (whole ms, 0 to 600000) before it is handled, then goes on
   * as usual. 0 by default. A TypeError for anything else.
   */
  tokenEndpointDelayMs: number;
  /** Token requests waiting out tokenEndpointDelayMs right now. */
  readonly heldTokenRequests: number;
  /** Ends every smart lockout and forgets every wrong password counted so far. */
  unlockAccounts(): void;
  /** Switches every fault off (a held token request goes on at once) and unlocks every account. */
  reset(): void;
}

/** Longest tokenEndpointDelayMs; 'hang' is there for longer. */
const MAX_DELAY_MS = 600_000;

type RefreshTokenFault = 'revoked' | 'expired';

export class Faults implements FaultSwitches {
  tokenEndpoint: TokenEndpointFault = 'ok';
  #idToken: IdTokenFault | null = null;
  keysEndpoint: 'ok' | 'error500' = 'ok';
  /** Per account and fault: the serial of the last refresh token issued when the fault was set. */
  readonly #refreshCutoffs = new Map<string, Partial<Record<RefreshTokenFault, number>>>();
  #delayMs = 0;
  /** Releases for the token requests waiting out the delay. */
  readonly #held = new Set<() => void>();

  constructor(
    private readonly rotate: () => Promise<void>,
    private readonly refreshTokensIssued: () => number,
    private readonly unlock: () => void,
    private readonly externalId = false,
  ) {}

  get idToken(): IdTokenFault | null { return this.#idToken; }
  set idToken(value: IdTokenFault | null) {
    // External ID has one user flow and no tfp: "another flow" is nothing it could issue.
    if (this.externalId && (value === 'otherFlow' || value === 'otherFlowAcr')) {
      throw new TypeError(`the ${value} fault is B2C's: External ID tokens name no user flow`);
    }
    this.#idToken = value;
  }

  get tokenEndpointDelayMs(): number { return this.#delayMs; }
  set tokenEndpointDelayMs(value: number) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DELAY_MS) {
      throw new TypeError(`tokenEndpointDelayMs must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}, got ${JSON.stringify(value) ?? String(value)}`);
    }
    this.#delayMs = value;
  }

  get heldTokenRequests(): number { return this.#held.size; }

  /**
   * Waits out the delay in force now. True when the request may go on (the delay passed, or
   * reset() ended it); false when the emulator closed first, and the request must not be answered.
   */
  async holdTokenRequest(closed: Promise<void>): Promise<boolean> {
    const ms = this.#delayMs;
    if (ms === 0) return true;
    let release = (): void => {};
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<true>((resolve) => {
      release = () => resolve(true);
      timer = setTimeout(release, ms);
    });
    this.#held.add(release);
    try {
      return await Promise.race([done, closed.then(() => false)]);
    } finally {
      clearTimeout(timer);
      this.#held.delete(release);
    }
  }

  unlockAccounts(): void { this.unlock(); }

  rotateSigningKey(): Promise<void> { return this.rotate(); }

  revokeRefreshTokens(accountId: string): void { this.#cutOff(accountId, 'revoked'); }
  expireRefreshTokens(accountId: string): void { this.#cutOff(accountId, 'expired'); }

  /** What a fault says about the refresh token with this issue serial, if anything. */
  refreshTokenFault(accountId: string, serial: number): RefreshTokenFault | undefined {
    const cutoffs = this.#refreshCutoffs.get(accountId);
    if (serial <= (cutoffs?.revoked ?? 0)) return 'revoked';
    if (serial <= (cutoffs?.expired ?? 0)) return 'expired';
    return undefined;
  }

  reset(): void {
    this.tokenEndpoint = 'ok';
    this.idToken = null;
    this.keysEndpoint = 'ok';
    this.#refreshCutoffs.clear();
    this.#delayMs = 0;
    for (const release of this.#held) release();
    this.#held.clear();
    this.unlock();
  }

  #cutOff(accountId: string, fault: RefreshTokenFault): void {
    if (typeof accountId !== 'string' || accountId === '') throw new TypeError('an account id is needed');
    this.#refreshCutoffs.set(accountId, { ...this.#refreshCutoffs.get(accountId), [fault]: this.refreshTokensIssued() });
  }
}

/** The ID token oidc-provider signed, spoilt as the fault says (re-signed with the tenant key where
 *  the fault needs it). `flows`: the tenant's user flows, for the faults that name another one. */
export async function spoilIdToken(jwt: string, fault: IdTokenFault, key: SigningKey, flows: readonly string[] = []): Promise<string> {
  if (fault === 'badSignature') {
    const [header, payload, signature = ''] = jwt.split('.');
    const flipped = (signature.startsWith('A') ? 'B' : 'A') + signature.slice(1);
    return `${header}.${payload}.${flipped}`;
  }
  const claims: Record<string, unknown> = { ...decodeJwt(jwt) };
  const header: Record<string, unknown> = { ...decodeProtectedHeader(jwt) };
  const now = Math.floor(Date.now() / 1000);
  switch (fault) {
    case 'wrongNonce': claims.nonce = `not-your-nonce-${randomUUID()}`; break;
    case 'wrongAudience': claims.aud = `not-${String(claims.aud)}`; break;
    case 'wrongIssuer': claims.iss = 'https://attacker.example/00000000-0000-0000-0000-000000000000/v2.0/'; break;
    case 'expired': Object.assign(claims, { iat: now - 7200, nbf: now - 7200, auth_time: now - 7200, exp: now - 3600 }); break;
    case 'missingSub': delete claims.sub; break;
    case 'missingIat': delete claims.iat; break;
    case 'missingKid': delete header.kid; break;
    case 'missingNonce': delete claims.nonce; break;
    // Each moves one claim only, 480 s beyond the skew, so that no other check is what refuses it.
    case 'futureIat': claims.iat = now + 600; break;
    case 'futureNbf': claims.nbf = now + 600; break;
    // A token with B2C's shortest lifetime (5 minutes), expired 60 s ago (inside the skew) or 180 s
    // ago (outside it); a few minutes old, as no age limit is what decides.
    case 'expiredWithinSkew': Object.assign(claims, { iat: now - 360, nbf: now - 360, exp: now - 60 }); break;
    case 'expiredPastSkew': Object.assign(claims, { iat: now - 480, nbf: now - 480, exp: now - 180 }); break;
    case 'otherFlow': claims.tfp = otherFlow(claims.tfp, flows); break;
    case 'otherFlowAcr': claims.acr = otherFlow(claims.tfp, flows); delete claims.tfp; break;
    case 'wrongTenant': claims.tid = claims.tid === OTHER_TENANT_ID ? OTHER_TENANT_ID.replace(/f/g, 'e') : OTHER_TENANT_ID; break;
  }
  const signer = await importJWK(key.privateJwk, 'RS256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ ...header, alg: 'RS256' })
    .sign(signer);
}

/** A user flow of the tenant other than the token's own: a token B2C itself could have issued. */
function otherFlow(own: unknown, flows: readonly string[]): string {
  const other = flows.find((flow) => flow.toLowerCase() !== String(own).toLowerCase());
  if (!other) throw new Error('the otherFlow faults need a tenant with two user flows or more');
  return other;
}
