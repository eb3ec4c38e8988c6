// External ID as a real tenant names its issuer: https://<tenant-id>.ciamlogin.com/<tenant-id>/v2.0,
// another host than the authority the app is configured with (EXTERNAL-ID.md, finding 3). Sign-in
// works only because the app reads the issuer from discovery; an issuer built from the authority
// would refuse every token. The tenant and issuer checks still refuse under that issuer.
// startStack cannot pass the emulator's `ciamloginIssuer`, so the app and emulator are wired here as
// test/support/stack.ts wires them (without the sample API: no WEB_API_URI, so the app calls none).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { startEmulator, type Emulator, type IdTokenFault } from '../../src/emulator/index.ts';
import { createLogger } from '../../src/log.ts';
import { expectSignedOut, signInWithFault } from './fault-sign-in.ts';

let server: Server;
let appOrigin: string;
let emulator: Emulator;
let config: Config;
let closeApp: () => Promise<void>;
const logs: string[] = [];

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const port = (server.address() as AddressInfo).port;
  appOrigin = `http://localhost:${port}`;
  const client = { clientId: 'test-app', clientSecret: 'test-app-secret', redirectUris: [`${appOrigin}/redirect`], postLogoutRedirectUris: [appOrigin] };
  emulator = await startEmulator({ port: 0, mode: 'external-id', ciamloginIssuer: true, clients: [client] });
  config = loadConfig({
    SERVER_PORT: String(port),
    APP_CLIENT_ID: client.clientId,
    APP_CLIENT_SECRET: client.clientSecret,
    SESSION_SECRET: 'test-session-secret-test-session-secret',
    IDENTITY_PROVIDER: 'external-id',
    AUTHORITY: emulator.authority(),
    APP_REDIRECT_URI: `${appOrigin}/redirect`,
    FLOW_VIEW: 'off',
  });
  const { app, close } = createApp(config, { log: createLogger('info', (line) => logs.push(line)) });
  closeApp = close;
  server.on('request', app.callback());
});
afterEach(() => emulator.faults.reset());
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await Promise.all([closeApp(), emulator.close()]);
});

const signInWith = (fault: IdTokenFault | null) => signInWithFault({ appOrigin, emulator, logs }, 'external-id', fault);

describe('External ID with the ciamlogin.com issuer (another host than the authority)', () => {
  it("discovery names the tenant's ciamlogin.com issuer, on another host than the configured authority", async () => {
    const issuer = `https://${emulator.tenantId}.ciamlogin.com/${emulator.tenantId}/v2.0`;
    expect(emulator.issuer).toBe(issuer);
    expect((await emulator.metadata()).issuer).toBe(issuer);
    const authority = new URL(config.flows.signUpSignIn.authority);
    expect(authority.host).not.toBe(new URL(issuer).host);
    // Nothing the app could build from its authority gives this issuer.
    expect(issuer.includes(authority.host)).toBe(false);
  });

  it('an honest token signs in: the issuer is read from discovery, not built from the authority', async () => {
    const { browser, reasons } = await signInWith(null);
    expect(browser.url).toBe(`${appOrigin}/`);
    expect(browser.text()).toContain(`Hi ${emulator.demoUser.givenName}`);
    expect(reasons).toEqual([]);
  });

  it.each<[string, IdTokenFault, string]>([
    ['another issuer in iss', 'wrongIssuer', 'ID token: ERR_JWT_CLAIM_VALIDATION_FAILED (iss)'],
    ["another tenant's id in tid", 'wrongTenant', 'ID token: another tenant'],
  ])('%s, discovery naming the ciamlogin.com issuer: a 401 page, not signed in', async (_, fault, reason) => {
    const { browser, reasons } = await signInWith(fault);
    expect(browser.status).toBe(401);
    expect(browser.$('#problem h2').text()).toBe('The sign-in could not be verified');
    expect(reasons).toEqual([reason]);
    await expectSignedOut(browser, appOrigin);
  });
});
