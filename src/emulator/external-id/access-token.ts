// The access token External ID issues for a web API scope, v2.0 format (the default for APIs
// registered in an external tenant): audience the API's application id, `scp` the short scope
// names, the tenant in `tid`, the calling app in `azp`, and no user-flow claim.
import { signJwt, type AccessTokenInput } from '../access-tokens.ts';
import type { ApiRegistration } from '../api.ts';
import type { SigningKey } from '../signing-keys.ts';
import { displayName, pairwiseSub } from './claims.ts';

export function signExternalIdAccessToken(
  key: SigningKey, api: ApiRegistration, tenantId: string, input: Omit<AccessTokenInput, 'flow'>,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { account } = input;
  return signJwt(key, {
    aud: api.clientId,
    iss: input.issuer,
    iat: now,
    nbf: now,
    exp: now + input.lifetimeSeconds,
    azp: input.clientId,
    // 1: the client authenticated with its secret.
    azpacr: '1',
    name: displayName(account),
    oid: account.id,
    preferred_username: account.email,
    scp: input.scopes.map((scope) => api.shortNames.get(scope) ?? scope).join(' '),
    // Pairwise for the API, as the ID token's is for the app.
    sub: pairwiseSub(tenantId, api.clientId, account.id),
    tid: tenantId,
    ver: '2.0',
  });
}
