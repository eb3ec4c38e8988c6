// External ID mode over https, with MSAL given nothing but the authority: it discovers the endpoints
// itself and checks discovery's issuer against the authority (MSAL's issuer validation), as it does
// against a real tenant.
import { ConfidentialClientApplication, CryptoProvider, type INetworkModule, type NetworkRequestOptions } from '@azure/msal-node';
import { afterEach, describe, expect, it } from 'vitest';

import { startHttpsEmulator, type HttpsEmulator } from '../fixtures/https-emulator.ts';
import { appBrowser, callback, CLIENT } from './fixtures.ts';

/** MSAL's HTTP through this process's fetch, which trusts the emulator's CA (msal-node's own client would not). */
const fetchClient: INetworkModule = {
  sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, { method: 'GET', headers: options?.headers }),
  sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, { method: 'POST', headers: options?.headers, body: options?.body ?? '' }),
};

async function send<T>(url: string, init: RequestInit) {
  const response = await fetch(url, init);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => { headers[key] = value; });
  return { status: response.status, headers, body: (await response.json()) as T };
}

describe('External ID mode over https, MSAL discovering the authority itself', () => {
  let idp: HttpsEmulator | undefined;
  afterEach(async () => {
    await idp?.close();
    idp = undefined;
  });

  /** Signs the demo user in through MSAL configured with the authority alone (no metadata); the redeemed result. */
  async function signInWithAuthorityOnly(authority: string) {
    // Named as known, so MSAL skips Microsoft's cloud instance discovery (login.microsoftonline.com).
    const knownAuthorities = [new URL(authority).host];
    const msal = new ConfidentialClientApplication({
      auth: { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, authority, knownAuthorities },
      system: { networkClient: fetchClient },
    });
    const crypto = new CryptoProvider();
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const url = await msal.getAuthCodeUrl({ scopes: [], redirectUri: CLIENT.redirectUris[0]!, codeChallenge: challenge, codeChallengeMethod: 'S256', nonce: 'n-1', state: 's-1' });
    const browser = appBrowser();
    await browser.get(url);
    expect(new URL(browser.url).protocol).toBe('https:');
    await browser.submit('#next', { email: 'demo@example.com' });
    await browser.submit('#next', { password: 'Passw0rd!' });
    const code = callback(browser).get('code')!;
    return msal.acquireTokenByCode({ code, scopes: [], redirectUri: CLIENT.redirectUris[0]!, codeVerifier: verifier, nonce: 'n-1' });
  }

  it('signs in with the authority <origin>/<tenant id>/v2.0 and with the app\'s form <origin>/<tenant id>', async () => {
    idp = await startHttpsEmulator({ mode: 'external-id', clients: [CLIENT] });
    const { emulator } = idp;
    expect(emulator.authority()).toMatch(/^https:\/\/localhost:\d+\/[0-9a-f-]{36}\/v2\.0$/);
    expect(emulator.issuer).toBe(emulator.authority());
    for (const authority of [emulator.authority(), emulator.authority().replace(/\/v2\.0$/, '')]) {
      const result = await signInWithAuthorityOnly(authority);
      expect(result.idTokenClaims, authority).toMatchObject({ iss: emulator.issuer, tid: emulator.tenantId, nonce: 'n-1', ver: '2.0' });
      expect(result.account?.homeAccountId).toMatch(new RegExp(`\\.${emulator.tenantId}$`));
    }
  });

  it('with a real tenant\'s issuer (https://<tenant id>.ciamlogin.com/<tenant id>/v2.0), MSAL still takes discovery\'s issuer', async () => {
    idp = await startHttpsEmulator({ mode: 'external-id', clients: [CLIENT], ciamloginIssuer: true });
    const { emulator } = idp;
    expect(emulator.issuer).toBe(`https://${emulator.tenantId}.ciamlogin.com/${emulator.tenantId}/v2.0`);
    expect((await emulator.metadata()).issuer).toBe(emulator.issuer);
    const result = await signInWithAuthorityOnly(emulator.authority());
    expect(result.idTokenClaims).toMatchObject({ iss: emulator.issuer, tid: emulator.tenantId });
  });
});
