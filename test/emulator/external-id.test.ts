// The emulator's Microsoft Entra External ID mode, as an app's MSAL sees it: one authority named by
// the tenant id, its discovery document, the two-step sign-in pages, Entra's v2.0 ID-token claims,
// refresh, logout, faults and errors in Entra's words.
import { createHash } from 'node:crypto';

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EXTERNAL_ID_FLOW, EXTERNAL_ID_TENANT_ID, OTHER_TENANT_ID, startEmulator, type Emulator, type EmulatorClient } from '../../src/emulator/index.ts';
import { APP_ORIGIN, appBrowser, beginAuthorization, callback, CLIENT, codeGrant, redeem, refreshGrant, start } from './fixtures.ts';
import type { Browser } from '../support/browser.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENTRA_LINES = /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;

/** Both steps of External ID's sign-in page: the email, then the password. */
async function signIn(browser: Browser, email: string, password: string) {
  await browser.submit('#next', { email });
  return browser.submit('#next', { password });
}

/** POSTs to the token endpoint discovery names (fixtures' tokenRequest builds B2C's URL). */
async function tokenRequest(emulator: Emulator, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(String((await emulator.metadata()).token_endpoint), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A bare authorization request for any registered client (no MSAL), PKCE S256. */
function authorizeUrl(emulator: Emulator, client: EmulatorClient, params: Record<string, string> = {}) {
  const verifier = `v-${Math.random().toString(36).slice(2)}`.padEnd(48, 'x');
  const url = new URL(`${emulator.authority()}`.replace(/\/v2\.0$/, '/oauth2/v2.0/authorize'));
  url.search = new URLSearchParams({
    client_id: client.clientId, redirect_uri: client.redirectUris[0]!, response_type: 'code', scope: 'openid profile offline_access',
    state: 'state-1', nonce: 'nonce-1', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...params,
  }).toString();
  return { url: url.href, verifier };
}

describe('External ID mode', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start({ mode: 'external-id' }); });
  afterEach(() => emulator.close());

  it('has one authority, <origin>/<tenant id>/v2.0, whatever flow is named, and only a sign-up/sign-in flow', () => {
    expect(emulator.mode).toBe('external-id');
    expect(emulator.tenantId).toBe(EXTERNAL_ID_TENANT_ID);
    const authority = `${emulator.origin}/${EXTERNAL_ID_TENANT_ID}/v2.0`;
    expect(emulator.authority()).toBe(authority);
    expect(emulator.authority('B2C_1_susi')).toBe(authority);
    expect(emulator.authority(emulator.flows.resetPassword)).toBe(authority);
    expect(emulator.issuer).toBe(authority);
    expect(emulator.flows).toEqual({ signUpSignIn: EXTERNAL_ID_FLOW, editProfile: '', resetPassword: '' });
    expect(emulator.inbox).toEqual([]);
  });

  it("serves Entra's discovery document at the authority, its endpoints under the tenant id, however the tenant is named", async () => {
    const metadata = await emulator.metadata();
    const tenant = `${emulator.origin}/${emulator.tenantId}`;
    expect(metadata).toEqual({
      token_endpoint: `${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      jwks_uri: `${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: emulator.issuer,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'oid', 'preferred_username', 'name', 'tid', 'ver'],
    });
    // Where MSAL and our app ask (`<authority without /v2.0>/v2.0/...`) is the same URL; by the
    // tenant's domain (and in capitals) the same document comes back, still naming the id.
    for (const url of [`${tenant}/v2.0/.well-known/openid-configuration`, `${emulator.origin}/EMULATOR.onmicrosoft.com/v2.0/.well-known/openid-configuration`]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      expect(await response.json(), url).toEqual(metadata);
    }
    const keys = (await (await fetch(String(metadata.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })]);
    expect(keys.keys[0]).not.toHaveProperty('d');
  });

  it('answers nothing at B2C-shaped URLs or for another tenant', async () => {
    for (const path of [
      `/emulator.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration`,
      `/${OTHER_TENANT_ID}/v2.0/.well-known/openid-configuration`,
      `/${emulator.tenantId}/.well-known/openid-configuration`,
    ]) {
      expect((await fetch(`${emulator.origin}${path}`)).status, path).toBe(404);
    }
  });

  it('takes another tenant id as an option, and refuses one that is not a GUID', async () => {
    const tenantId = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const other = await start({ mode: 'external-id', tenantId });
    try {
      expect(other.authority()).toBe(`${other.origin}/${tenantId}/v2.0`);
      expect((await other.metadata()).issuer).toBe(`${other.origin}/${tenantId}/v2.0`);
    } finally {
      await other.close();
    }
    await expect(start({ mode: 'external-id', tenantId: 'contoso.onmicrosoft.com' })).rejects.toThrow(TypeError);
    await expect(start({ mode: 'external-id', tenantId: EXTERNAL_ID_TENANT_ID.toUpperCase() })).rejects.toThrow(TypeError);
    await expect(start({ mode: 'entra' as never })).rejects.toThrow(TypeError);
  });

  it('signs the demo user in with MSAL on two pages, email then password, and issues External ID\'s claims', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    expect(tx.url.startsWith(`${emulator.origin}/${emulator.tenantId}/oauth2/v2.0/authorize?`)).toBe(true);
    const browser = appBrowser();
    await browser.get(tx.url);
    expect(browser.text('h1')).toBe('Sign in');
    for (const id of ['email', 'next', 'createAccount']) expect(browser.$(`#${id}`).length, id).toBe(1);
    expect(browser.$('#password').length).toBe(0);
    expect(browser.text('header')).toContain('Microsoft Entra External ID emulator: test accounts only');
    expect(browser.$('#userFlow').length).toBe(0);

    await browser.submit('#next', { email: emulator.demoUser.email });
    expect(browser.text('h1')).toBe('Enter your password');
    expect(browser.text('#signInName')).toBe(emulator.demoUser.email);
    for (const id of ['password', 'next', 'forgotPassword', 'back']) expect(browser.$(`#${id}`).length, id).toBe(1);
    await browser.submit('#next', { password: emulator.demoUser.password });
    const params = callback(browser);
    expect(params.get('state')).toBe(tx.state);

    const result = await redeem(tx, params);
    const claims = result.idTokenClaims as Record<string, unknown>;
    const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
    const issuer = String((await emulator.metadata()).issuer);
    expect(claims).toEqual({
      iss: issuer, aud: CLIENT.clientId, nonce: tx.nonce, ver: '2.0',
      oid: demo.id, tid: emulator.tenantId, preferred_username: emulator.demoUser.email, name: 'Demo User',
      sub: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      iat: expect.any(Number), nbf: claims.iat, exp: (claims.iat as number) + 3600,
    });
    // Entra's sub is the user's id for this application only.
    expect(claims.sub).not.toBe(demo.id);
    expect(decodeProtectedHeader(result.idToken)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    const keys = createRemoteJWKSet(new URL(String((await emulator.metadata()).jwks_uri)));
    await expect(jwtVerify(result.idToken, keys, { issuer, audience: CLIENT.clientId })).resolves.toBeTruthy();
    // Entra's client_info: MSAL's account is <oid>.<tid>, in the tenant tid names.
    expect(result.account).toMatchObject({
      homeAccountId: `${demo.id}.${emulator.tenantId}`, localAccountId: demo.id, tenantId: emulator.tenantId, username: emulator.demoUser.email,
    });
  });

  it('gives each application its own sub for the same user, the same one at every sign-in', async () => {
    const other: EmulatorClient = { clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [`${APP_ORIGIN}/other`], postLogoutRedirectUris: [] };
    const both = await start({ mode: 'external-id', clients: [CLIENT, other] });
    try {
      const subs: Record<string, unknown> = {};
      for (const [name, client] of [['first', CLIENT], ['again', CLIENT], ['other', other]] as const) {
        const { url, verifier } = authorizeUrl(both, client);
        const browser = appBrowser();
        await browser.get(url);
        await signIn(browser, both.demoUser.email, both.demoUser.password);
        const code = callback(browser).get('code')!;
        const { body } = await tokenRequest(both, codeGrant(code, verifier, { client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: client.redirectUris[0]! }));
        const claims = decodeJwt(String(body.id_token));
        expect(claims.aud).toBe(client.clientId);
        subs[name] = claims.sub;
      }
      expect(subs.again).toBe(subs.first);
      expect(subs.other).not.toBe(subs.first);
    } finally {
      await both.close();
    }
  });

  it('refuses a wrong password and an unknown email alike, on the password page, and locks out as B2C mode does', async () => {
    const locking = await start({ mode: 'external-id', lockout: { threshold: 2, durationSeconds: 60 } });
    try {
      const tx = await beginAuthorization(locking, locking.flows.signUpSignIn);
      const browser = appBrowser();
      await browser.get(tx.url);
      await signIn(browser, 'nobody@example.com', 'Whatever1');
      expect(browser.status).toBe(400);
      expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
      expect(browser.text('#signInName')).toBe('nobody@example.com');

      await browser.click('#back');
      expect(browser.$('#email').attr('value')).toBe('nobody@example.com');
      await signIn(browser, locking.demoUser.email, 'Wrong1234');
      expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
      await browser.submit('#next', { password: 'Wrong5678' });
      expect(browser.text('#pageLevelError')).toMatch(/^Your account is temporarily locked/);
      await browser.submit('#next', { password: locking.demoUser.password });
      expect(browser.text('#pageLevelError')).toMatch(/^Your account is temporarily locked/);
      locking.faults.unlockAccounts();
      await browser.submit('#next', { password: locking.demoUser.password });
      expect(callback(browser).get('code')).toEqual(expect.any(String));
    } finally {
      await locking.close();
    }
  });

  it('signs a browser with a session in again without a page, shows the first page again for prompt=login, and takes a login_hint', async () => {
    const browser = appBrowser();
    const first = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(first.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    await redeem(first, callback(browser));

    const second = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(second.url);
    expect(browser.page.stopped).toBe(true);
    expect((await redeem(second, callback(browser))).idTokenClaims).toMatchObject({ nonce: second.nonce, tid: emulator.tenantId });

    const again = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { prompt: 'login' });
    await browser.get(`${again.url}&login_hint=${encodeURIComponent('hinted@example.com')}`);
    expect(browser.$('#email').attr('value')).toBe('hinted@example.com');
  });

  it('refreshes through MSAL: a new ID token for the same user, recorded at the one flow', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const first = await redeem(tx, callback(browser));
    const refreshed = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: ['openid'], forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.idTokenClaims).toMatchObject({
      sub: (first.idTokenClaims as Record<string, unknown>).sub, oid: first.uniqueId, tid: emulator.tenantId, ver: '2.0',
    });
    expect(emulator.tokenRequests.map(({ grantType, flow, status }) => ({ grantType, flow, status }))).toEqual([
      { grantType: 'authorization_code', flow: EXTERNAL_ID_FLOW, status: 200 },
      { grantType: 'refresh_token', flow: EXTERNAL_ID_FLOW, status: 200 },
    ]);
  });

  it("words a refused refresh token in Entra's terms (AADSTS, with a Trace ID line)", async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const { body } = await tokenRequest(emulator, codeGrant(callback(browser).get('code')!, tx.verifier));
    const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
    emulator.faults.expireRefreshTokens(demo.id);
    const expired = await tokenRequest(emulator, refreshGrant(String(body.refresh_token)));
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_grant');
    expect(expired.body.error_description).toMatch(/^AADSTS700082: The refresh token has expired due to inactivity\./);
    expect(expired.body.error_description).toMatch(ENTRA_LINES);
    emulator.faults.reset();
    emulator.faults.revokeRefreshTokens(demo.id);
    const revoked = await tokenRequest(emulator, refreshGrant(String(body.refresh_token)));
    expect(revoked.body.error_description).toMatch(/^AADSTS50173: /);
  });

  it('signs out at the end_session_endpoint: back to a registered post-logout or redirect URI, with the state; the session is gone', async () => {
    const browser = appBrowser();
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const logout = String((await emulator.metadata()).end_session_endpoint);
    expect(logout).toBe(`${emulator.origin}/${emulator.tenantId}/oauth2/v2.0/logout`);

    for (const target of [CLIENT.postLogoutRedirectUris[0]!, CLIENT.redirectUris[0]!]) {
      await browser.get(`${logout}?post_logout_redirect_uri=${encodeURIComponent(target)}&state=bye`);
      const back = new URL(browser.url);
      expect(`${back.origin}${back.pathname}`).toBe(target);
      expect(back.searchParams.get('state')).toBe('bye');
    }
    await browser.get(`${logout}?post_logout_redirect_uri=${encodeURIComponent('https://elsewhere.example/')}`);
    expect(browser.status).toBe(400);

    const next = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(next.url);
    expect(browser.$('#email').length).toBe(1);
    // Without a post-logout URI: the signed-out page, with no user flow named.
    await browser.get(logout);
    expect(browser.text('h1')).toBe('You have signed out');
    expect(browser.$('#userFlow').length).toBe(0);
  });

  it('spoils ID tokens as told, wrongTenant included (another tid, still signed by the tenant), and refuses the B2C-only faults', async () => {
    const keys = createRemoteJWKSet(new URL(String((await emulator.metadata()).jwks_uri)));
    const idToken = async () => {
      const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
      const browser = appBrowser();
      await browser.get(tx.url);
      if (!browser.page.stopped) await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
      const { body } = await tokenRequest(emulator, codeGrant(callback(browser).get('code')!, tx.verifier));
      return String(body.id_token);
    };
    emulator.faults.idToken = 'wrongTenant';
    const spoilt = await idToken();
    expect(decodeJwt(spoilt).tid).toBe(OTHER_TENANT_ID);
    expect(OTHER_TENANT_ID).toMatch(GUID);
    await expect(jwtVerify(spoilt, keys, { issuer: emulator.issuer, audience: CLIENT.clientId })).resolves.toBeTruthy();

    emulator.faults.idToken = 'wrongIssuer';
    expect(decodeJwt(await idToken()).iss).not.toBe(emulator.issuer);
    emulator.faults.reset();
    expect(decodeJwt(await idToken()).tid).toBe(emulator.tenantId);

    expect(() => { emulator.faults.idToken = 'otherFlow'; }).toThrow(TypeError);
    expect(() => { emulator.faults.idToken = 'otherFlowAcr'; }).toThrow(TypeError);
    expect(emulator.faults.idToken).toBeNull();
  });

  it('leaves B2C mode as it was: the default mode, its tenant id and empty inbox', async () => {
    const b2c = await startEmulator({ port: 0, clients: [CLIENT] });
    try {
      expect(b2c.mode).toBe('b2c');
      expect(b2c.tenantId).toMatch(GUID);
      expect(b2c.issuer).toBe(`${b2c.origin}/${b2c.tenantId}/v2.0/`);
      expect(b2c.authority()).toBe(b2c.authority(b2c.flows.signUpSignIn));
      expect(b2c.inbox).toEqual([]);
      b2c.faults.idToken = 'otherFlow';
      expect(b2c.faults.idToken).toBe('otherFlow');
    } finally {
      await b2c.close();
    }
  });
});
