// The access token B2C issues for a web API scope: a JWT signed with the tenant's key (the ID
// token's key, served at the keys endpoint), its audience the API's client id. oidc-provider only
// knows opaque access tokens for its own scopes, so the token endpoint (token-endpoint.ts) swaps
// this one in when the grant covers the registered API's scopes.
import { SignJWT, importJWK } from 'jose';

import type { Account } from './accounts.ts';
import type { ApiRegistration } from './api.ts';
import type { SigningKey } from './signing-keys.ts';

export interface AccessTokenInput {
  issuer: string;
  account: Account;
  /** The client the token was issued to (`azp`). */
  clientId: string;
  /** The user flow, as in the ID token's `tfp`. */
  flow: string;
  /** Granted scopes of the API, full form. */
  scopes: string[];
  lifetimeSeconds: number;
}

// Importing a JWK costs more than signing with it; keep the imported key per signing key.
const imported = new WeakMap<SigningKey, ReturnType<typeof importJWK>>();

function privateKey(key: SigningKey): ReturnType<typeof importJWK> {
  let found = imported.get(key);
  if (!found) {
    found = importJWK(key.privateJwk, 'RS256');
    imported.set(key, found);
  }
  return found;
}

/** A JWT with these claims, signed as the tenant signs its tokens (RS256, the key's kid). */
export async function signJwt(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: key.kid })
    .sign(await privateKey(key));
}

export function signAccessToken(key: SigningKey, api: ApiRegistration, input: AccessTokenInput): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { account } = input;
  return signJwt(key, {
    iss: input.issuer,
    exp: now + input.lifetimeSeconds,
    nbf: now,
    aud: api.clientId,
    oid: account.id,
    sub: account.id,
    name: `${account.givenName} ${account.surname}`.trim(),
    given_name: account.givenName,
    family_name: account.surname,
    tfp: input.flow,
    scp: input.scopes.map((scope) => api.shortNames.get(scope) ?? scope).join(' '),
    azp: input.clientId,
    ver: '1.0',
    iat: now,
  });
}
