// External ID mode's access tokens for the registered web API: scopes in the api:// form, Entra's
// v2.0 access-token claims, and refusals of other resources in Entra's words.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { appBrowser, beginAuthorization, callback, CLIENT, redeem, start } from './fixtures.ts';

describe('External ID mode: access tokens for the web API', () => {
  let emulator: Emulator;
  let read: string;
  let write: string;
  beforeEach(async () => {
    emulator = await start({ mode: 'external-id' });
    [read = '', write = ''] = emulator.api.scopes;
  });
  afterEach(() => emulator.close());

  /** The demo user signed in through MSAL asking for these scopes. */
  async function signedIn(scopes: string[]) {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { scopes });
    const browser = appBrowser();
    await browser.get(tx.url);
    await browser.submit('#next', { email: emulator.demoUser.email });
    await browser.submit('#next', { password: emulator.demoUser.password });
    return { tx, params: callback(browser) };
  }

  it('registers the API with its scopes in External ID\'s form, api://<api client id>/<scope>', () => {
    expect(emulator.api).toEqual({
      clientId: 'emulator-tasks-api', name: 'tasks-api',
      scopes: ['api://emulator-tasks-api/tasks.read', 'api://emulator-tasks-api/tasks.write'],
    });
  });

  it('MSAL gets a v2.0 access token for the API scope: audience the API, scp, azp, tid, a pairwise sub of its own, no tfp', async () => {
    const { tx, params } = await signedIn([read]);
    const result = await redeem(tx, params);
    expect(result.scopes).toEqual([read, 'offline_access']);

    const { issuer, jwks_uri: jwksUri } = await emulator.metadata();
    const { payload, protectedHeader } = await jwtVerify(result.accessToken, createRemoteJWKSet(new URL(String(jwksUri))), {
      issuer: String(issuer), audience: emulator.api.clientId, algorithms: ['RS256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: decodeProtectedHeader(result.idToken).kid });
    const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
    expect(payload).toEqual({
      aud: emulator.api.clientId, iss: issuer, azp: CLIENT.clientId, azpacr: '1', scp: 'tasks.read',
      oid: demo.id, tid: emulator.tenantId, preferred_username: emulator.demoUser.email, name: 'Demo User', ver: '2.0',
      sub: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      iat: expect.any(Number), nbf: payload.iat, exp: payload.iat! + 3600,
    });
    // The API's sub for the user is not the app's.
    expect(payload.sub).not.toBe(decodeJwt(result.idToken).sub);
  });

  it('takes both scopes at once, and a refresh keeps them', async () => {
    const { tx, params } = await signedIn([read, write]);
    const first = await redeem(tx, params);
    expect(decodeJwt(first.accessToken).scp).toBe('tasks.read tasks.write');
    const refreshed = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: [read], forceRefresh: true });
    expect(decodeJwt(refreshed.accessToken)).toMatchObject({ aud: emulator.api.clientId, tid: emulator.tenantId, ver: '2.0' });
  });

  it('refuses another resource\'s scope, and scopes of two resources, back at the redirect URI in Entra\'s words', async () => {
    for (const [scopes, expected] of [
      [['api://another-api/tasks.read'], /^AADSTS500011: /],
      [[read, 'api://another-api/other.read'], /^AADSTS28000: .*contains more than one resource/],
      // B2C's scope form means nothing to External ID.
      [['https://emulator.onmicrosoft.com/tasks-api/tasks.read'], /^AADSTS500011: /],
    ] as const) {
      const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { scopes: [...scopes] });
      const browser = appBrowser();
      await browser.get(tx.url);
      const params = callback(browser);
      expect(params.get('error'), scopes.join(' ')).toBe('invalid_request');
      expect(params.get('error_description'), scopes.join(' ')).toMatch(expected);
      expect(params.get('error_description')).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\n/);
      expect(params.get('state')).toBe(tx.state);
    }
  });
});
