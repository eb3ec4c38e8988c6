// The app's ID-token verifier (src/identity/id-token.ts) on its own, against the real emulator's
// keys and tokens in both providers' modes, its clock set to the very second each check turns: the
// 120 s skew on `exp`, `nbf` and a future `iat`, the 10-minute age limit, a key the provider no
// longer serves, the user flow (B2C) or tenant (External ID), and why our nonce check sits behind
// MSAL's. The same refusals through the app over HTTP: id-token-http.test.ts and id-token.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_TENANT_ID, type Emulator, type IdTokenFault } from '../../src/emulator/index.ts';
import { createIdTokenVerifier, type RealmExpectation } from '../../src/identity/id-token.ts';
import { signIn } from '../support/idp-pages.ts';
import type { Mode } from '../support/stack.ts';
import { appBrowser, beginAuthorization, callback, CLIENT, codeGrant, redeem, start, type AuthTransaction } from '../emulator/fixtures.ts';

interface Metadata { issuer: string; jwks_uri: string; authorization_endpoint: string; token_endpoint: string }

describe.each<Mode>(['b2c', 'external-id'])('%s mode', (mode) => {
  let emulator: Emulator;
  let metadata: Metadata;
  /** What this mode's tokens must name: the sign-up/sign-in flow, or the tenant. */
  let realm: RealmExpectation;
  beforeAll(async () => {
    emulator = await start({ mode });
    metadata = (await emulator.metadata(emulator.flows.signUpSignIn)) as unknown as Metadata;
    realm = mode === 'b2c' ? { provider: 'b2c', flowName: emulator.flows.signUpSignIn } : { provider: 'external-id', tenantId: emulator.tenantId };
  });
  afterEach(() => {
    emulator.faults.reset();
    emulator.lifetimes.accessTokenSeconds = 3600;
  });
  afterAll(() => emulator.close());

  /** The ID token the emulator's token endpoint answers a demo sign-in with (nonce `nonce-1`):
   *  the bare protocol, at the endpoints discovery names, through this mode's sign-in pages. */
  async function idToken(fault: IdTokenFault | null = null): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(metadata.authorization_endpoint);
    for (const [name, value] of Object.entries({
      client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0]!, response_type: 'code', scope: 'openid profile offline_access',
      state: 'state-1', nonce: 'nonce-1', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    })) url.searchParams.set(name, value);
    const browser = appBrowser();
    await browser.get(url.href);
    await signIn(browser, mode, emulator.demoUser);
    const code = callback(browser).get('code')!;
    emulator.faults.idToken = fault;
    const response = await fetch(metadata.token_endpoint, { method: 'POST', body: new URLSearchParams(codeGrant(code, verifier)) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id_token: string }).id_token;
  }

  /** Verifies as the app does, its clock at `atSeconds`; resolves to the refusal's logged reason, or 'accepted'. */
  async function verifyAt(token: string, atSeconds: number, { nonce = 'nonce-1', expected = realm } = {}): Promise<string> {
    const verifier = createIdTokenVerifier(metadata, 5000, () => atSeconds * 1000);
    try {
      await verifier.verify(token, { clientId: CLIENT.clientId, nonce, ...expected });
      return 'accepted';
    } catch (error) {
      expect(error).toMatchObject({ status: 401, title: 'The sign-in could not be verified' });
      return (error as { reason: string }).reason;
    }
  }

  const claims = (token: string) => decodeJwt(token) as { iat: number; nbf: number; exp: number };

  describe('the clock skew (120 s), to the second', () => {
    it('exp: accepted 119 s after it, refused 120 s after it', async () => {
      emulator.lifetimes.accessTokenSeconds = 60; // the ID token's too: exp is a minute after iat
      const token = await idToken();
      const { iat, exp } = claims(token);
      expect(exp - iat).toBe(60);
      expect(await verifyAt(token, exp + 119)).toBe('accepted');
      expect(await verifyAt(token, exp + 120)).toBe('ID token: ERR_JWT_EXPIRED (exp)');
    });

    it('nbf in the future: accepted 120 s before it, refused 121 s before it', async () => {
      const token = await idToken('futureNbf');
      const { nbf } = claims(token);
      expect(await verifyAt(token, nbf - 120)).toBe('accepted');
      expect(await verifyAt(token, nbf - 121)).toBe('ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (nbf)');
    });

    it('iat in the future: accepted 120 s before it, refused 121 s before it', async () => {
      const token = await idToken('futureIat');
      const { iat, nbf } = claims(token);
      expect(nbf).toBeLessThan(iat - 121); // only iat is in the future
      expect(await verifyAt(token, iat - 120)).toBe('accepted');
      expect(await verifyAt(token, iat - 121)).toBe('ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (iat)');
    });

    it('jose alone (no maxTokenAge) accepts that future iat: why the verifier sets one', async () => {
      const token = await idToken('futureIat');
      const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
      const options = { issuer: metadata.issuer, audience: CLIENT.clientId, clockTolerance: 120, requiredClaims: ['iat'] };
      await expect(jwtVerify(token, keys, options)).resolves.toBeTruthy();
      await expect(jwtVerify(token, keys, { ...options, maxTokenAge: 600 })).rejects.toThrow(/"iat" claim timestamp check failed \(it should be in the past\)/);
    });
  });

  describe('the age limit (10 minutes plus the skew)', () => {
    it('a token an hour long is refused 721 s after its iat, its exp still ahead', async () => {
      const token = await idToken();
      const { iat, exp } = claims(token);
      expect(exp - iat).toBe(3600);
      expect(await verifyAt(token, iat + 720)).toBe('accepted');
      expect(await verifyAt(token, iat + 721)).toBe('ID token: ERR_JWT_EXPIRED (iat)');
    });
  });

  describe('the signing key', () => {
    it('a token signed with a key the keys endpoint no longer serves is refused', async () => {
      const token = await idToken();
      const now = claims(token).iat;
      expect(await verifyAt(token, now)).toBe('accepted');
      // From now on the keys endpoint serves only a new key: the token's `kid` names none of them.
      await emulator.faults.rotateSigningKey();
      expect(await verifyAt(token, now)).toBe('ID token: ERR_JWKS_NO_MATCHING_KEY');
      expect(await verifyAt(await idToken(), now)).toBe('accepted');
    });
  });

  // Per mode, the claim that tells apart tokens sharing the issuer, audience and key.
  if (mode === 'b2c') {
    describe('the user flow', () => {
      it.each<[string, IdTokenFault]>([
        ['tfp', 'otherFlow'],
        ['acr', 'otherFlowAcr'],
      ])('a token naming another flow of the tenant in %s is refused for this one, and only for that', async (claim, fault) => {
        const token = await idToken(fault);
        const named = decodeJwt(token)[claim];
        expect([emulator.flows.editProfile, emulator.flows.resetPassword]).toContain(named);
        const now = claims(token).iat;
        expect(await verifyAt(token, now)).toBe('ID token: another user flow');
        // Issuer, audience, key and dates are all good: the flow alone is what refuses it.
        expect(await verifyAt(token, now, { expected: { provider: 'b2c', flowName: String(named) } })).toBe('accepted');
      });
    });
  }

  if (mode === 'external-id') {
    describe('the tenant', () => {
      it("a token naming another tenant's id in tid is refused for this one, and only for that", async () => {
        const token = await idToken('wrongTenant');
        expect(decodeJwt(token)).toMatchObject({ tid: OTHER_TENANT_ID, iss: metadata.issuer });
        const now = claims(token).iat;
        expect(await verifyAt(token, now)).toBe('ID token: another tenant');
        // Issuer, audience, key and dates are all good: the tenant alone is what refuses it.
        expect(await verifyAt(token, now, { expected: { provider: 'external-id', tenantId: OTHER_TENANT_ID } })).toBe('accepted');
      });

      it('an honest token names no user flow (no tfp, no acr), and none is looked for', async () => {
        const token = await idToken();
        const payload = decodeJwt(token);
        expect(payload).not.toHaveProperty('tfp');
        expect(payload).not.toHaveProperty('acr');
        expect(payload.tid).toBe(emulator.tenantId);
        expect(await verifyAt(token, claims(token).iat)).toBe('accepted');
      });
    });
  }

  describe('the nonce: MSAL checks it first, so ours refuses nothing MSAL lets through', () => {
    // msal-common (ResponseHandler.handleServerTokenResponse) refuses, with nonce_mismatch, an ID token
    // whose nonce is not the very string acquireTokenByCode was given, absent or not a string
    // included. redeem (src/identity/index.ts) always gives it the transaction's nonce, and ours
    // compares the same claim of the same token with that same nonce.
    async function signedIn(): Promise<{ tx: AuthTransaction; params: URLSearchParams }> {
      const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
      const browser = appBrowser();
      await browser.get(tx.url);
      await signIn(browser, mode, emulator.demoUser);
      return { tx, params: callback(browser) };
    }

    it.each<IdTokenFault>(['wrongNonce', 'missingNonce'])('%s: MSAL, called as redeem calls it, refuses it; so would we', async (fault) => {
      const { tx, params } = await signedIn();
      emulator.faults.idToken = fault;
      await expect(redeem(tx, params)).rejects.toMatchObject({ errorCode: 'nonce_mismatch' });
      // The same spoiling of a token had without MSAL: our check refuses it too.
      const token = await idToken(fault);
      expect(await verifyAt(token, claims(token).iat)).toBe('ID token: nonce mismatch');
    });

    it('what MSAL accepts carries the nonce ours expects', async () => {
      const { tx, params } = await signedIn();
      const result = await redeem(tx, params);
      expect(result.idTokenClaims).toMatchObject({ nonce: tx.nonce });
      expect(await verifyAt(result.idToken, claims(result.idToken).iat, { nonce: tx.nonce })).toBe('accepted');
    });

    it('ours is reached only if the MSAL call loses its nonce: then MSAL takes a nonce-less token, and we refuse it', async () => {
      const { tx, params } = await signedIn();
      emulator.faults.idToken = 'missingNonce';
      const code = params.get('code')!;
      const result = await tx.msal.acquireTokenByCode(
        { code, scopes: tx.scopes, redirectUri: CLIENT.redirectUris[0]!, codeVerifier: tx.verifier, state: tx.state },
        { code, state: params.get('state')! },
      );
      expect(result.idTokenClaims).not.toHaveProperty('nonce');
      expect(await verifyAt(result.idToken, claims(result.idToken).iat, { nonce: tx.nonce })).toBe('ID token: nonce mismatch');
    });
  });
});
