// MSAL checks only the nonce of an ID token; signature, issuer, audience, lifetime, subject and
// user flow (B2C) or tenant (External ID) are checked here, against the authority's own metadata
// and keys: the issuer is read from discovery, never built.
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { tokenRejected, unavailable } from './problems.ts';

/** What names the token's own realm besides its issuer: B2C, the user flow this transaction started
 *  (`tfp`, or `acr` in older tenants); External ID, the tenant's id in `tid` (its tokens name no
 *  user flow, so no `tfp` is looked for). A union, not optional fields, so that a missing value can
 *  never turn one mode's check into the other's, or into none. */
export type RealmExpectation = { provider: 'b2c'; flowName: string } | { provider: 'external-id'; tenantId: string };

export type IdTokenExpectations = { clientId: string; nonce: string } & RealmExpectation;

export interface IdTokenVerifier {
  verify(idToken: string, expected: IdTokenExpectations): Promise<JWTPayload>;
}

const CLOCK_SKEW_SECONDS = 120;
/**
 * jose looks at `iat` only when given a maxTokenAge: without one it checks that `iat` is a number,
 * nothing more, so a token dated in the future passed. With one it refuses an `iat` more than the
 * skew ahead of us, and one older than this plus the skew. The token is minted by the token endpoint
 * for the redemption under way (whose request has a deadline of at most 120 s): an honest one is
 * seconds old. Ten minutes is far above that and far below B2C's longest ID-token lifetime (24 h),
 * so a token kept from an earlier sign-in is refused even while its `exp` is still ahead.
 */
const MAX_TOKEN_AGE_SECONDS = 600;

const REFUSALS = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

/** `now`: the clock tokens are dated against (a test sets it to a second's edge). */
export function createIdTokenVerifier(
  metadata: { issuer: string; jwks_uri: string },
  timeoutMs: number,
  now: () => number = Date.now,
): IdTokenVerifier {
  // jose checks `iss` only when given an issuer: discovery without one would switch the check off.
  if (typeof metadata.issuer !== 'string' || metadata.issuer === '') throw unavailable('discovery names no issuer');
  // Cached by jose; fetched again when a token names an unknown key (key rotation). No cooldown
  // between fetches: tokens come from the provider's own token endpoint, not from strangers, and a
  // rotation right after a fetch must not lock everyone out for jose's default 30 s.
  const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: timeoutMs, cooldownDuration: 0 });
  return {
    async verify(idToken, expected) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(idToken, keys, {
          issuer: metadata.issuer,
          audience: expected.clientId,
          clockTolerance: CLOCK_SKEW_SECONDS,
          maxTokenAge: MAX_TOKEN_AGE_SECONDS,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'iat', 'exp'],
        }));
      } catch (error) {
        // A token that fails a check is refused; keys that cannot be had mean the provider is down.
        // The log names the claim (never its value), so that it says which check refused.
        if (error instanceof errors.JOSEError && REFUSALS.has(error.code)) throw tokenRejected(`ID token: ${error.code}${claimOf(error)}`);
        throw unavailable(`ID token keys: ${(error as { code?: string }).code ?? (error as Error).name}`);
      }
      // MSAL compares the same claim of the same token with the same nonce first (redeem always
      // hands it the nonce), so this refuses nothing MSAL let through: a second belt, should that
      // call ever lose its nonce (test/security/id-token-verifier.test.ts).
      if (payload.nonce !== expected.nonce) throw tokenRejected('ID token: nonce mismatch');
      if (expected.provider === 'external-id') {
        // One issuer may serve several tenants' tokens: the tenant is named by `tid`, a GUID (any
        // letter case). Only a string is compared: String() would let ['<tid>'] through.
        const { tid } = payload;
        if (tid === undefined || tid === '') throw tokenRejected('ID token: no tid');
        if (typeof tid !== 'string' || tid.toLowerCase() !== expected.tenantId.toLowerCase()) throw tokenRejected('ID token: another tenant');
        return payload;
      }
      // The tenant's flows share its issuer, audience and key: only this names the flow. A token
      // naming none is refused, even were the expected name ever empty.
      const flow = payload.tfp ?? payload.acr;
      if (typeof flow !== 'string' || flow === '') throw tokenRejected('ID token: names no user flow');
      if (flow.toLowerCase() !== expected.flowName.toLowerCase()) throw tokenRejected('ID token: another user flow');
      return payload;
    },
  };
}

function claimOf(error: errors.JOSEError): string {
  return error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired ? ` (${error.claim})` : '';
}
