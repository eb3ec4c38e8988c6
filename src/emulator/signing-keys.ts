// The tenant's token signing key: RS256 with a kid, as B2C signs its ID tokens.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  /** Private JWK, handed to oidc-provider (which signs) and to the fault path (which re-signs). */
  privateJwk: JWK & { kid: string };
  publicJwk: JWK & { kid: string };
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID().replaceAll('-', '');
  const common = { kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...common },
    publicJwk: { ...(await exportJWK(publicKey)), ...common },
  };
}
