// The sample API's External ID mode: tokens with no user flow, the tenant checked in `tid`, the
// authority in External ID's forms; met with real tokens from the emulator's External ID mode.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OTHER_TENANT_ID, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { startSampleApi, type SampleApi, type StartSampleApiOptions } from '../../src/sample-api/index.ts';
import { apiTokens, appBrowser, beginAuthorization, callback, CLIENT, redeem } from '../emulator/fixtures.ts';
import { expectRefusedNaming, printed, runScript } from '../support/script.ts';

/** An access token for the API's tasks.read, from the demo user signed in through MSAL. */
async function accessToken(emulator: Emulator): Promise<string> {
  const read = emulator.api.scopes.find((scope) => scope.endsWith('/tasks.read'))!;
  const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { scopes: [read] });
  const browser = appBrowser();
  await browser.get(tx.url);
  await browser.submit('#next', { email: emulator.demoUser.email });
  await browser.submit('#next', { password: emulator.demoUser.password });
  return (await redeem(tx, callback(browser))).accessToken;
}

describe('the sample API in External ID mode', () => {
  let emulator: Emulator;
  let token: string;
  const started: SampleApi[] = [];
  const api = async (more: Partial<StartSampleApiOptions> = {}, on = emulator) => {
    const one = await startSampleApi({ port: 0, mode: 'external-id', authority: on.authority(), audience: on.api.clientId, requiredScope: 'tasks.read', timeoutMs: 2000, ...more });
    started.push(one);
    return one;
  };
  const hello = (on: SampleApi, bearer = token) => fetch(`${on.origin}/hello`, { headers: { authorization: `Bearer ${bearer}` } });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, mode: 'external-id', clients: [CLIENT] });
    token = await accessToken(emulator);
  });
  afterAll(async () => {
    await Promise.all(started.map((one) => one.close()));
    await emulator.close();
  });

  it('answers the caller for a token of the tenant, whichever form of the authority it is given, with no user flows named', async () => {
    const authorityWithoutVersion = emulator.authority().replace(/\/v2\.0$/, '');
    for (const authority of [emulator.authority(), authorityWithoutVersion, `${authorityWithoutVersion}/`]) {
      const response = await hello(await api({ authority }));
      expect(response.status, authority).toBe(200);
      expect(await response.json()).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
    }
  });

  it('checks tid against the tenant it is told, or else the one discovery\'s issuer names', async () => {
    const response = await hello(await api({ tenantId: OTHER_TENANT_ID }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await hello(await api({ tenantId: emulator.tenantId.toUpperCase() }))).status).toBe(200);
  });

  it('takes the tenant from an issuer on another host (a real tenant\'s https://<id>.ciamlogin.com/<id>/v2.0)', async () => {
    const ciam = await startEmulator({ port: 0, mode: 'external-id', clients: [CLIENT], ciamloginIssuer: true });
    try {
      expect(ciam.issuer).toBe(`https://${ciam.tenantId}.ciamlogin.com/${ciam.tenantId}/v2.0`);
      const ciamToken = await accessToken(ciam);
      expect((await hello(await api({}, ciam), ciamToken)).status).toBe(200);
      // The other emulator's token: another issuer, refused.
      expect((await hello(await api({}, ciam))).status).toBe(401);
    } finally {
      await ciam.close();
    }
  });

  it("refuses a B2C tenant's access token for the same API", async () => {
    const b2c = await startEmulator({ port: 0, clients: [CLIENT] });
    try {
      const { access_token: b2cToken } = await apiTokens(b2c, [b2c.api.scopes[0]!]);
      expect(decodeJwt(b2cToken).aud).toBe(emulator.api.clientId);
      expect((await hello(await api(), b2cToken)).status).toBe(401);
    } finally {
      await b2c.close();
    }
  });

  it.each([
    [{ mode: 'entra' }],
    [{ authority: 'https://contoso.ciamlogin.com/tenant/v2.0/extra' }],
    [{ authority: 'https://example.com/' }],
    [{ authority: 'https://contoso.ciamlogin.com/tenant?x=1' }],
    [{ tenantId: 'contoso' }],
    [{ mode: 'b2c', userFlows: ['B2C_1_susi'], tenantId: OTHER_TENANT_ID }],
  ])('refuses bad options: %j', async (bad) => {
    await expect(api(bad as Partial<StartSampleApiOptions>)).rejects.toThrow(TypeError);
  });

  it('runs alone with IDENTITY_PROVIDER=external-id and AUTHORITY, as `npm run sample-api` does', async () => {
    const script = runScript('src/sample-api/main.ts', {
      SAMPLE_API_PORT: '0', SAMPLE_API_HOST: '127.0.0.1', IDENTITY_PROVIDER: 'external-id', AUTHORITY: emulator.authority(),
    });
    await printed(script, '/public');
    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(script.out.stdout)?.[1];
    expect(script.out.stdout).toContain(`needs a bearer access token from ${emulator.authority()}`);
    expect(script.out.stdout).toContain('audience emulator-tasks-api, scope tasks.read, External ID (tid checked)');
    const response = await fetch(`${origin}/hello`, { headers: { authorization: `Bearer ${token}` } });
    expect(await response.json()).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
    script.child.kill('SIGTERM');
    const [code] = await script.exited;
    expect(code).toBe(0);
    expect(script.out.stderr).toBe('');
  });

  it('refuses a bad AUTHORITY in one line naming it', async () => {
    await expectRefusedNaming(runScript('src/sample-api/main.ts', {
      SAMPLE_API_PORT: '0', IDENTITY_PROVIDER: 'external-id', AUTHORITY: 'https://contoso.ciamlogin.com/a/b/c',
    }), 'AUTHORITY');
  });
});
