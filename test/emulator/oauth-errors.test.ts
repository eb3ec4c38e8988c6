// What an attacker or a buggy client tries, and the standard OAuth answers they get.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { appBrowser, authorizeUrl, callback, CLIENT, codeGrant, demoCode, msalFor, SCOPES, start, tokenRequest } from './fixtures.ts';

describe('OAuth errors', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  it('redeems a code once with client_secret_post (what MSAL sends)', async () => {
    const { code, verifier } = await demoCode(emulator);
    const ok = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String), refresh_token: expect.any(String) });
    expect(ok.body).not.toHaveProperty('client_info');
  });

  it('accepts client_secret_basic too', async () => {
    const { code, verifier } = await demoCode(emulator);
    const { client_secret: _secret, client_id: _id, ...grant } = codeGrant(code, verifier);
    const basic = Buffer.from(`${encodeURIComponent(CLIENT.clientId)}:${encodeURIComponent(CLIENT.clientSecret)}`).toString('base64');
    const ok = await tokenRequest(emulator, emulator.flows.signUpSignIn, grant, { authorization: `Basic ${basic}` });
    expect(ok.status).toBe(200);
  });

  it('a wrong client secret is invalid_client, through MSAL too', async () => {
    const { code, verifier } = await demoCode(emulator);
    const wrong = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier, { client_secret: 'guessed' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');

    const again = await demoCode(emulator);
    const msal = await msalFor(emulator, emulator.flows.signUpSignIn, { ...CLIENT, clientSecret: 'guessed' });
    await expect(msal.acquireTokenByCode({ code: again.code, codeVerifier: again.verifier, scopes: SCOPES, redirectUri: CLIENT.redirectUris[0]! }))
      .rejects.toMatchObject({ errorCode: 'invalid_client' });
  });

  it('a reused code is invalid_grant', async () => {
    const { code, verifier } = await demoCode(emulator);
    expect((await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier))).status).toBe(200);
    const replay = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier));
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('a missing or wrong PKCE verifier is invalid_grant', async () => {
    const first = await demoCode(emulator);
    const { code_verifier: _v, ...noVerifier } = codeGrant(first.code, first.verifier);
    const missing = await tokenRequest(emulator, emulator.flows.signUpSignIn, noVerifier);
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const second = await demoCode(emulator);
    const wrong = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(second.code, 'b'.repeat(50)));
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('another redirect_uri at the token endpoint is invalid_grant', async () => {
    const { code, verifier } = await demoCode(emulator);
    const other = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier, { redirect_uri: 'http://localhost:3000/elsewhere' }));
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it("a code from one user flow is invalid_grant at another flow's token endpoint (AADB2C90088)", async () => {
    const { code, verifier } = await demoCode(emulator);
    const elsewhere = await tokenRequest(emulator, emulator.flows.editProfile, codeGrant(code, verifier));
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toBe('invalid_grant');
    expect(elsewhere.body.error_description).toMatch(/^AADB2C90088: /);
  });

  it('requires PKCE with S256: no challenge, or plain, comes back as invalid_request', async () => {
    const browser = appBrowser();
    await browser.get(authorizeUrl(emulator, emulator.flows.signUpSignIn, { code_challenge: undefined, code_challenge_method: undefined }).url);
    expect(callback(browser).get('error')).toBe('invalid_request');
    expect(callback(browser).get('error_description')).toMatch(/PKCE/);
    expect(callback(browser).get('state')).toBe('state-1');

    await browser.get(authorizeUrl(emulator, emulator.flows.signUpSignIn, { code_challenge_method: 'plain' }).url);
    expect(callback(browser).get('error')).toBe('invalid_request');
    expect(callback(browser).get('error_description')).toMatch(/code_challenge_method/);
  });

  it('an unregistered redirect URI gets an error page and no redirect', async () => {
    for (const redirect of ['http://localhost:3000/other', 'https://attacker.example/redirect', 'http://localhost:3000/redirect/']) {
      const { url } = authorizeUrl(emulator, emulator.flows.signUpSignIn, { redirect_uri: redirect });
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      const page = await response.text();
      expect(page).toContain('invalid_redirect_uri');
      expect(page).not.toContain('attacker.example');
    }
  });

  it('an unknown client gets an error page and no redirect', async () => {
    const { url } = authorizeUrl(emulator, emulator.flows.signUpSignIn, { client_id: 'not-registered' });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_client');
  });

  it('a page of another interaction, or without its cookie, is refused', async () => {
    const browser = appBrowser();
    await browser.get(authorizeUrl(emulator, emulator.flows.signUpSignIn).url);
    const page = browser.url;
    const stranger = appBrowser();
    await stranger.get(page);
    expect(stranger.status).toBe(400);
    expect(stranger.text('#errorCode')).toBe('session_expired');
    await browser.get(page.replace(/api\/[^/]+$/, 'api/forged-uid'));
    expect(browser.status).toBe(400);
  });
});

describe('PKCE as B2C asks it of web apps (requirePkce: false)', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start({ requirePkce: false }); });
  afterEach(() => emulator.close());

  it('serves a confidential client that sends no challenge, and checks a challenge that is sent', async () => {
    const browser = appBrowser();
    const { url } = authorizeUrl(emulator, emulator.flows.signUpSignIn, { code_challenge: undefined, code_challenge_method: undefined });
    await browser.get(url);
    await browser.submit('#next', { signInName: emulator.demoUser.email, password: emulator.demoUser.password });
    const { code_verifier: _v, ...noVerifier } = codeGrant(callback(browser).get('code')!, '');
    expect(await tokenRequest(emulator, emulator.flows.signUpSignIn, noVerifier)).toMatchObject({ status: 200, body: { id_token: expect.any(String) } });

    const sent = await demoCode(emulator);
    const wrong = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(sent.code, 'b'.repeat(50)));
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await browser.get(authorizeUrl(emulator, emulator.flows.signUpSignIn, { code_challenge_method: 'plain' }).url);
    expect(callback(browser).get('error')).toBe('invalid_request');
  });
});
