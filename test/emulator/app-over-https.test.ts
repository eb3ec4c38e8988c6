// This repository's app, started as `npm start` starts it, pointed at the emulator in https mode the
// way it is pointed at any tenant: the tutorial's .env names (and the web API's) in a .env file,
// the emulator's CA in NODE_EXTRA_CA_CERTS, nothing else. With an authority configured the app
// starts no emulator of its own and takes the same code path as for contoso.b2clogin.com.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSampleApi, type SampleApi } from '../../src/sample-api/index.ts';
import { Browser } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { startHttpsEmulator, type HttpsEmulator } from '../fixtures/https-emulator.ts';
import { startNode, type NodeProcess } from '../fixtures/process.ts';
import { dotenv } from '../fixtures/tutorial-app/start.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT_ID = 'koa-statechart-app';
const CLIENT_SECRET = 'koa-statechart-app-secret';

describe("the app, configured by its .env alone, against the emulator over https", () => {
  let idp: HttpsEmulator;
  let sampleApi: SampleApi;
  let app: NodeProcess;
  let appOrigin: string;
  let envDir: string;
  let susi: string;
  const browser = new Browser();

  beforeAll(async () => {
    const port = await freePort();
    appOrigin = `http://localhost:${port}`;
    idp = await startHttpsEmulator({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${appOrigin}/redirect`], postLogoutRedirectUris: [appOrigin] }],
    });
    const { emulator } = idp;
    susi = emulator.authority(emulator.flows.signUpSignIn);
    // The API a team would call, checking the emulator's access tokens (over https, from this process).
    sampleApi = await startSampleApi({
      port: 0, authority: susi, audience: emulator.api.clientId, requiredScope: 'tasks.read', userFlows: Object.values(emulator.flows),
    });

    envDir = await mkdtemp(join(tmpdir(), 'app-over-https-'));
    await writeFile(join(envDir, '.env'), dotenv({
      SERVER_PORT: String(port),
      APP_CLIENT_ID: CLIENT_ID,
      APP_CLIENT_SECRET: CLIENT_SECRET,
      SESSION_SECRET: 'app-over-https-session-secret-0123456789',
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: susi,
      EDIT_PROFILE_POLICY_AUTHORITY: emulator.authority(emulator.flows.editProfile),
      RESET_PASSWORD_POLICY_AUTHORITY: emulator.authority(emulator.flows.resetPassword),
      AUTHORITY_DOMAIN: emulator.origin,
      APP_REDIRECT_URI: `${appOrigin}/redirect`,
      LOGOUT_ENDPOINT: `${susi}/oauth2/v2.0/logout?post_logout_redirect_uri=${appOrigin}`,
      WEB_API_URI: `${sampleApi.origin}/hello`,
      WEB_API_SCOPES: emulator.api.scopes.find((scope) => scope.endsWith('/tasks.read'))!,
    }));
    app = await startNode(['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { DOTENV_PATH: join(envDir, '.env'), NODE_EXTRA_CA_CERTS: idp.caCertPath },
      readyWhen: `App listening at ${appOrigin}`,
    });
  });

  afterAll(async () => {
    const code = await app?.stop();
    await Promise.allSettled([sampleApi?.close(), idp?.close()]);
    if (envDir) await rm(envDir, { recursive: true, force: true });
    // A clean stop on SIGTERM, as with the built-in emulator.
    if (app) expect(code).toBe(0);
  });

  it('starts no emulator of its own: it names none, and its sign-in goes to the https authority', async () => {
    expect(app.output()).not.toContain('Built-in Azure AD B2C emulator');
    const response = await fetch(`${appOrigin}/signin`, { redirect: 'manual' });
    await response.arrayBuffer();
    expect(new URL(susi).protocol).toBe('https:');
    expect(response.headers.get('location')?.startsWith(`${susi}/oauth2/v2.0/authorize?`)).toBe(true);
  });

  it('signs in on the emulator\'s page and greets the person by name', async () => {
    await browser.get(`${appOrigin}/`);
    await browser.click('#SignIn');
    expect(new URL(browser.url).origin).toBe(idp.emulator.origin);
    expect(browser.$('#signInName').length).toBe(1);
    await browser.submit('#next', { signInName: idp.emulator.demoUser.email, password: idp.emulator.demoUser.password });
    expect(new URL(browser.url).origin, app.output()).toBe(appOrigin);
    expect(browser.text('nav')).toContain('Hi Demo');
    expect(browser.$('#CallApi').length).toBe(1);
  });

  it('calls the web API with the access token the emulator issued', async () => {
    await browser.click('#CallApi');
    expect(browser.url).toBe(`${appOrigin}/api`);
    expect(JSON.parse(browser.text('#apiResponse'))).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
  });

  it('edits the profile through the edit-profile authority: the new name is greeted', async () => {
    await browser.get(`${appOrigin}/`);
    await browser.click('#EditProfile');
    expect(browser.$('#givenName').attr('value')).toBe('Demo');
    await browser.submit('#continue', { givenName: 'Dana' });
    expect(new URL(browser.url).origin).toBe(appOrigin);
    expect(browser.text('nav')).toContain('Hi Dana');
  });

  it("signs out through the emulator's logout and comes back signed out", async () => {
    await browser.click('a[href="/signout"]');
    expect(browser.page.redirects.some((url) => url.startsWith(`${susi}/oauth2/v2.0/logout?`))).toBe(true);
    expect(new URL(browser.url).origin).toBe(appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
    // The emulator's session ended as well: signing in asks for the password again.
    await browser.click('#SignIn');
    expect(browser.$('#signInName').length).toBe(1);
  });
});
