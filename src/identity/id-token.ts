// MSAL checks only the nonce of an ID token; signature, issuer, audience, lifetime, subject and
// user flow are checked here, against the user flow's own metadata and keys.
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { tokenRejected, unavailable } from './problems.ts';

export interface IdTokenExpectations {
  clientId: string;
  nonce: string;
  /** The user flow this transaction started (B2C's `tfp`, or `acr` in older tenants). */
  flowName: string;
}

export interface IdTokenVerifier {
  verify(idToken: string, expected: IdTokenExpectations): Promise<JWTPayload>;
}

const CLOCK_SKEW_SECONDS = 120;

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

export function createIdTokenVerifier(metadata: { issuer: string; jwks_uri: string }, timeoutMs: number): IdTokenVerifier {
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
          requiredClaims: ['sub', 'iat', 'exp'],
        }));
      } catch (error) {
        // A token that fails a check is refused; keys that cannot be had mean the provider is down.
        if (error instanceof errors.JOSEError && REFUSALS.has(error.code)) throw tokenRejected(`ID token: ${error.code}`);
        throw unavailable(`ID token keys: ${(error as { code?: string }).code ?? (error as Error).name}`);
      }
      if (payload.nonce !== expected.nonce) throw tokenRejected('ID token: nonce mismatch');
      const flow = String(payload.tfp ?? payload.acr ?? '');
      if (flow.toLowerCase() !== expected.flowName.toLowerCase()) throw tokenRejected('ID token: another user flow');
      return payload;
    },
  };
}
