// What Entra External ID puts in its tokens for a local (email) account, v2.0 format: no tfp, no
// emails array, no newUser; the tenant in `tid`, the email as `preferred_username`, and a `sub` that
// is the user's id for one application only (pairwise), unlike `oid`.
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';

import { signJwt } from '../access-tokens.ts';
import type { Account } from '../accounts.ts';
import type { SigningKey } from '../signing-keys.ts';

/** Claim names the ID token carries (oidc-provider adds iss, aud, iat, exp and nonce itself). */
export const EXTERNAL_ID_TOKEN_CLAIMS = ['sub', 'nbf', 'ver', 'oid', 'tid', 'preferred_username', 'name'] as const;

/** discovery's claims_supported: what the emulator's ID tokens carry. */
export const EXTERNAL_ID_CLAIMS_SUPPORTED = [
  'sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'oid', 'preferred_username', 'name', 'tid', 'ver',
] as const;

/**
 * Entra's `sub`: "a pairwise identifier that's unique to a particular application ID" (43 base64url
 * characters). Stable for the same tenant, user and application, as the real one is.
 */
export function pairwiseSub(tenantId: string, applicationId: string, accountId: string): string {
  return createHash('sha256').update(`${tenantId}\n${applicationId}\n${accountId}`).digest('base64url');
}

export const displayName = (account: Account): string => `${account.givenName} ${account.surname}`.trim();

/** The ID token's claims but `sub`, which oidc-provider always sets to the account id (see below). */
export function externalIdClaims(account: Account, tenantId: string): Record<string, unknown> & { sub: string } {
  return {
    sub: account.id,
    // oidc-provider sets iat itself; Entra's nbf equals it.
    nbf: Math.floor(Date.now() / 1000),
    ver: '2.0',
    oid: account.id,
    tid: tenantId,
    preferred_username: account.email,
    name: displayName(account),
  };
}

/**
 * The ID token oidc-provider signed, with Entra's pairwise `sub` in place of the account id, signed
 * again with the tenant key (and Entra's `typ: JWT` header). oidc-provider's own pairwise mode would
 * demand a sector identifier URI from any client whose redirect URIs have two hosts.
 */
export async function withPairwiseSub(idToken: string, key: SigningKey, tenantId: string, clientId: string): Promise<string> {
  const claims = decodeJwt(idToken);
  if (typeof claims.sub !== 'string') return idToken;
  return signJwt(key, { ...claims, sub: pairwiseSub(tenantId, clientId, claims.sub) });
}

/** Entra's client_info: uid is the object id, utid the tenant id (MSAL's homeAccountId `<oid>.<tid>`). */
export function externalIdClientInfo(accountId: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: accountId, utid: tenantId })).toString('base64url');
}
