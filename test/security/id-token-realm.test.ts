// The claim that names a token's realm, per mode, at its edges: B2C's user flow (`tfp`/`acr`),
// External ID's tenant (`tid`). The emulator has no fault for a token without `tid`, or with a claim
// of the wrong type, so these tokens are signed here with a key of the test's own, served from a
// loopback keys endpoint, each one differing in one claim from the token as the provider writes it
// (EXTERNAL-ID.md "Tokens"; B2C's as src/emulator/claims.ts writes it). The same checks through the
// app, with the emulator's tokens: id-token-http.test.ts and id-token-verifier.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdTokenVerifier, type RealmExpectation } from '../../src/identity/id-token.ts';
import type { Mode } from '../support/stack.ts';

const TENANT_ID = 'a1b2c3d4-0000-4000-8000-00000000e1d0';
const OTHER_TENANT_ID = '00000000-0000-4000-8000-0000000000ff';
const FLOW = 'B2C_1_susi';
const CLIENT_ID = 'test-app';
const NONCE = 'nonce-1';
const NOW = 1_800_000_000;

let server: Server;
let metadata: { issuer: string; jwks_uri: string };
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'test-key', use: 'sig', alg: 'RS256' }] });
  server = createServer((_, response) => response.setHeader('content-type', 'application/json').end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  metadata = { issuer: `${origin}/${TENANT_ID}/v2.0`, jwks_uri: `${origin}/keys` };
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const REALM: Record<Mode, RealmExpectation> = {
  b2c: { provider: 'b2c', flowName: FLOW },
  'external-id': { provider: 'external-id', tenantId: TENANT_ID },
};

/** A token as each provider writes it (the mode's own claims on top of the common ones). */
function claimsOf(mode: Mode): JWTPayload {
  const common = { iss: metadata.issuer, aud: CLIENT_ID, sub: 'user-1', iat: NOW, nbf: NOW, exp: NOW + 3600, nonce: NONCE };
  return mode === 'b2c'
    ? { ...common, ver: '1.0', tfp: FLOW, emails: ['demo@example.com'] }
    : { ...common, ver: '2.0', oid: 'user-1', tid: TENANT_ID, preferred_username: 'demo@example.com', name: 'Demo User' };
}

/** The mode's token with `changes` applied (undefined removes a claim), signed with the test's key. */
function token(mode: Mode, changes: Record<string, unknown> = {}): Promise<string> {
  const claims: Record<string, unknown> = { ...claimsOf(mode), ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name];
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'test-key' }).sign(privateKey);
}

/** Verifies as the app does at NOW; the refusal's logged reason, or 'accepted'. */
async function verify(idToken: string, realm: RealmExpectation): Promise<string> {
  try {
    await createIdTokenVerifier(metadata, 5000, () => NOW * 1000).verify(idToken, { clientId: CLIENT_ID, nonce: NONCE, ...realm });
    return 'accepted';
  } catch (error) {
    expect(error).toMatchObject({ status: 401, title: 'The sign-in could not be verified' });
    return (error as { reason: string }).reason;
  }
}

describe.each<Mode>(['b2c', 'external-id'])('%s mode', (mode) => {
  it('the token as the provider writes it: accepted (so each refusal below is its one claim)', async () => {
    expect(await verify(await token(mode), REALM[mode])).toBe('accepted');
  });

  it.each<[string, string, Record<string, unknown>]>(
    mode === 'b2c'
      ? [
          ['no tfp and no acr', 'ID token: names no user flow', { tfp: undefined }],
          ['an empty tfp', 'ID token: names no user flow', { tfp: '' }],
          ['tfp an array naming this flow', 'ID token: names no user flow', { tfp: [FLOW] }],
          ['another flow in tfp, this one in acr', 'ID token: another user flow', { tfp: 'B2C_1_edit_profile', acr: FLOW }],
          ['this flow in acr, no tfp (older tenants)', 'accepted', { tfp: undefined, acr: FLOW }],
          ['this flow in tfp, in another letter case', 'accepted', { tfp: FLOW.toUpperCase() }],
        ]
      : [
          ['no tid', 'ID token: no tid', { tid: undefined }],
          ['an empty tid', 'ID token: no tid', { tid: '' }],
          ['tid an array naming this tenant', 'ID token: another tenant', { tid: [TENANT_ID] }],
          ["another tenant's id in tid", 'ID token: another tenant', { tid: OTHER_TENANT_ID }],
          ['this tenant in tid, in upper case', 'accepted', { tid: TENANT_ID.toUpperCase() }],
          ['a tfp naming some user flow (not read: External ID names none)', 'accepted', { tfp: 'B2C_1_other' }],
        ],
  )('%s: %s', async (_, reason, changes) => {
    expect(await verify(await token(mode, changes), REALM[mode])).toBe(reason);
  });
});

describe("one mode's token under the other mode's checks", () => {
  it('a B2C token (tfp, no tid) is refused where a tenant is expected', async () => {
    expect(await verify(await token('b2c'), REALM['external-id'])).toBe('ID token: no tid');
  });

  it('an External ID token (tid, no tfp) is refused where a user flow is expected, even an empty one', async () => {
    expect(await verify(await token('external-id'), REALM.b2c)).toBe('ID token: names no user flow');
    expect(await verify(await token('external-id'), { provider: 'b2c', flowName: '' })).toBe('ID token: names no user flow');
  });
});

describe('the issuer comes from discovery', () => {
  it('discovery naming no issuer: the verifier is not built (jose would check no iss at all)', () => {
    for (const issuer of [undefined, '']) {
      expect(() => createIdTokenVerifier({ ...metadata, issuer: issuer as unknown as string }, 5000)).toThrow(
        expect.objectContaining({ status: 503, reason: 'discovery names no issuer' }),
      );
    }
  });
});
