// The access token B2C issues for a web API scope, and the answers to scopes it cannot grant.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import {
  apiTokens, appBrowser, B2C_ERROR_LINES, authorizeUrl, beginAuthorization, callback, CLIENT, codeGrant, demoCode, redeem, signIn, start, tokenRequest,
} from './fixtures.ts';

describe('access tokens for the registered web API', () => {
  let emulator: Emulator;
  let read: string;
  let write: string;
  beforeEach(async () => {
    emulator = await start();
    [read = '', write = ''] = emulator.api.scopes;
  });
  afterEach(() => emulator.close());

  /** What an API does: the emulator's keys (from its metadata), its issuer, the API's client id. */
  const verifyAsTheApiWould = async (token: string, flow = emulator.flows.signUpSignIn) => {
    const keys = createRemoteJWKSet(new URL(String((await emulator.metadata(flow)).jwks_uri)));
    return jwtVerify(token, keys, { issuer: emulator.issuer, audience: emulator.api.clientId, algorithms: ['RS256'] });
  };

  it('registers the default API with its scopes in B2C\'s full form', () => {
    expect(emulator.api).toEqual({
      clientId: 'emulator-tasks-api',
      name: 'tasks-api',
      scopes: ['https://emulator.onmicrosoft.com/tasks-api/tasks.read', 'https://emulator.onmicrosoft.com/tasks-api/tasks.write'],
    });
  });

  it('MSAL gets a JWT access token for the API scope, signed with the tenant key, carrying B2C\'s claims', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { scopes: [read] });
    expect(new URL(tx.url).searchParams.get('scope')?.split(' ')).toContain(read);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const result = await redeem(tx, callback(browser));

    expect(result.scopes).toEqual([read, 'offline_access']);
    const { payload, protectedHeader } = await verifyAsTheApiWould(result.accessToken);
    const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: decodeProtectedHeader(result.idToken).kid });
    expect(payload).toEqual({
      iss: emulator.issuer, sub: demo.id, oid: demo.id, aud: emulator.api.clientId, azp: CLIENT.clientId,
      scp: 'tasks.read', tfp: emulator.flows.signUpSignIn, name: 'Demo User', given_name: 'Demo', family_name: 'User', ver: '1.0',
      iat: expect.any(Number), nbf: payload.iat, exp: payload.iat! + 3600,
    });
    expect(Math.round((result.expiresOn!.getTime() - Date.now()) / 1000)).toBeGreaterThan(3590);
  });

  it('answers with B2C\'s scope (API scopes in full form, then offline_access) and a matching expires_in', async () => {
    const body = await apiTokens(emulator, [read, write]);
    expect(body.scope).toBe(`${read} ${write} offline_access`);
    expect(body.expires_in).toBe(3600);
    expect(decodeJwt(body.access_token)).toMatchObject({ scp: 'tasks.read tasks.write' });
    expect(body.id_token).toEqual(expect.any(String));
    expect(body.refresh_token).toEqual(expect.any(String));
  });

  it('issues the token from the profile-edit and password-reset flows too, with their tfp', async () => {
    const scope = `openid offline_access ${read}`;
    const browser = appBrowser();
    const edit = authorizeUrl(emulator, emulator.flows.editProfile, { scope });
    await browser.get(edit.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    await browser.submit('#continue', { givenName: 'Demo', surname: 'User' });
    const edited = await tokenRequest(emulator, emulator.flows.editProfile, codeGrant(callback(browser).get('code')!, edit.verifier));
    expect(decodeJwt(String(edited.body.access_token))).toMatchObject({ tfp: emulator.flows.editProfile, scp: 'tasks.read' });

    const reset = authorizeUrl(emulator, emulator.flows.resetPassword, { scope });
    await browser.get(reset.url);
    await browser.submit('#continue', { email: emulator.demoUser.email, newPassword: 'N3wSecret', reenterPassword: 'N3wSecret' });
    const after = await tokenRequest(emulator, emulator.flows.resetPassword, codeGrant(callback(browser).get('code')!, reset.verifier));
    const token = String(after.body.access_token);
    expect(decodeJwt(token)).toMatchObject({ tfp: emulator.flows.resetPassword });
    await expect(verifyAsTheApiWould(token, emulator.flows.resetPassword)).resolves.toBeTruthy();
  });

  it('without an API scope, the response is what it always was: an opaque access token, oidc-provider\'s scope', async () => {
    const { code, verifier } = await demoCode(emulator);
    const { body } = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier));
    expect(String(body.access_token)).not.toContain('.');
    expect(String(body.scope).split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(body.expires_in).toBe(3600);
  });

  it('signs with the new key after rotateSigningKey(), and the keys endpoint serves it', async () => {
    await emulator.faults.rotateSigningKey();
    const body = await apiTokens(emulator, [read]);
    expect(decodeProtectedHeader(body.access_token).kid).toBe(decodeProtectedHeader(body.id_token).kid);
    await expect(verifyAsTheApiWould(body.access_token)).resolves.toBeTruthy();
  });

  it('honours lifetimes.accessTokenSeconds for the access token, expires_in and the ID token, from the next token on', async () => {
    emulator.lifetimes.accessTokenSeconds = 120;
    const body = await apiTokens(emulator, [read]);
    const access = decodeJwt(body.access_token);
    const id = decodeJwt(body.id_token);
    expect(body.expires_in).toBe(120);
    expect(access.exp! - access.iat!).toBe(120);
    expect(id.exp! - id.iat!).toBe(120);
  });

  it('rejects nonsense lifetimes and API settings with a TypeError', async () => {
    for (const value of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60', 86401]) {
      expect(() => { emulator.lifetimes.accessTokenSeconds = value as number; }, String(value)).toThrow(TypeError);
    }
    expect(() => { emulator.lifetimes.refreshTokenSeconds = 91 * 86400; }).toThrow(/refreshTokenSeconds/);
    expect(emulator.lifetimes).toEqual({ accessTokenSeconds: 3600, refreshTokenSeconds: 14 * 86400 });
    const clients = [CLIENT];
    await expect(startEmulator({ port: 0, clients, lifetimes: { accessTokenSeconds: 0 } })).rejects.toThrow(TypeError);
    await expect(startEmulator({ port: 0, clients, api: { name: 'a/b' } })).rejects.toThrow(/api\.name/);
    await expect(startEmulator({ port: 0, clients, api: { scopes: [] } })).rejects.toThrow(/api\.scopes/);
    await expect(startEmulator({ port: 0, clients, api: { scopes: ['openid'] } })).rejects.toThrow(/api\.scopes/);
    await expect(startEmulator({ port: 0, clients, api: { clientId: '' } })).rejects.toThrow(/api\.clientId/);
  });

  it('registers the API given in the options, under the tenant given', async () => {
    const other = await startEmulator({ port: 0, clients: [CLIENT], tenant: 'contoso', api: { clientId: 'notes-id', name: 'notes', scopes: ['notes.read'] } });
    try {
      expect(other.api).toEqual({ clientId: 'notes-id', name: 'notes', scopes: ['https://contoso.onmicrosoft.com/notes/notes.read'] });
      const body = await apiTokens(other, other.api.scopes);
      expect(decodeJwt(body.access_token)).toMatchObject({ aud: 'notes-id', scp: 'notes.read' });
    } finally {
      await other.close();
    }
  });

  describe('scopes it cannot grant', () => {
    /** The callback the app gets for an authorization request with this scope (the demo user signs in if asked). */
    const authorize = async (scope: string) => {
      const browser = appBrowser();
      const { url, verifier } = authorizeUrl(emulator, emulator.flows.signUpSignIn, { scope });
      await browser.get(url);
      if (!browser.page.stopped) await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
      return { params: callback(browser), verifier };
    };

    it.each([
      ['another tenant\'s API', 'https://fabrikamb2c.onmicrosoft.com/tasks/read'],
      ['an unknown API of this tenant', 'https://emulator.onmicrosoft.com/other-api/tasks.read'],
      ['an unknown scope of this API alone', 'https://emulator.onmicrosoft.com/tasks-api/tasks.delete'],
    ])('%s: invalid_request, AADB2C90205, sent back to the app with its state', async (_label, scope) => {
      const { params } = await authorize(`openid offline_access ${scope}`);
      expect(params.get('code')).toBeNull();
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('error_description')).toMatch(/^AADB2C90205: This application does not have sufficient permissions against this web resource to perform the operation\./);
      expect(params.get('error_description')).toMatch(B2C_ERROR_LINES);
      expect(params.get('state')).toBe('state-1');
    });

    it('scopes of two resources: invalid_request, AADB2C90146', async () => {
      const { params } = await authorize(`openid ${read} https://fabrikamb2c.onmicrosoft.com/tasks/read`);
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('error_description')).toMatch(/^AADB2C90146: /);
    });

    it('an unknown scope of this API beside a known one is dropped, as B2C grants what it can', async () => {
      const { params, verifier } = await authorize(`openid offline_access ${read} https://emulator.onmicrosoft.com/tasks-api/tasks.delete`);
      const { body } = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(params.get('code')!, verifier));
      expect(body.scope).toBe(`${read} offline_access`);
      expect(decodeJwt(String(body.access_token)).scp).toBe('tasks.read');
    });

    it('bare words it does not know are dropped as before (email), with no error', async () => {
      const { params } = await authorize('openid offline_access email');
      expect(params.get('error')).toBeNull();
      expect(params.get('code')).toEqual(expect.any(String));
    });
  });
});
