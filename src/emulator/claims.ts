// The claims B2C puts in a local account's ID token, and the client_info it returns to MSAL.
import type { Account } from './accounts.ts';

/** Claim names the ID token carries; all hang off the `openid` scope, since B2C ignores `profile`. */
export const ID_TOKEN_CLAIMS = [
  'sub', 'nbf', 'ver', 'oid', 'tfp', 'emails', 'given_name', 'family_name', 'name', 'newUser',
] as const;

/** The discovery document's claims_supported, in B2C's shape: the user flow's application claims,
 *  then the protocol's (B2C lists neither `nbf` nor `ver`, though its tokens carry them). */
export const CLAIMS_SUPPORTED = [
  'oid', 'sub', 'newUser', 'name', 'given_name', 'family_name', 'emails', 'tfp',
  'iss', 'iat', 'exp', 'aud', 'nonce', 'auth_time',
] as const;

export function b2cClaims(account: Account, flow: string, newUser: boolean): Record<string, unknown> & { sub: string } {
  return {
    sub: account.id,
    // oidc-provider sets iat/exp/iss/aud itself; B2C also sends nbf, equal to iat.
    nbf: Math.floor(Date.now() / 1000),
    ver: '1.0',
    oid: account.id,
    tfp: flow,
    emails: [account.email],
    given_name: account.givenName,
    family_name: account.surname,
    name: `${account.givenName} ${account.surname}`.trim(),
    ...(newUser ? { newUser: true } : {}),
  };
}

/** B2C's client_info: base64url JSON whose uid is `<oid>-<flow in lower case>`, utid the tenant id. */
export function clientInfo(accountId: string, flow: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: `${accountId}-${flow.toLowerCase()}`, utid: tenantId })).toString('base64url');
}
