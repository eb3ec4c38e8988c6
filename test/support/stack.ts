// The app and the built-in emulator, each on its own free loopback port, wired as `npm start` wires
// them but through the tutorial's variables, as a real tenant would be. Every line the app logs is
// kept, so tests can prove what never appears in it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { startSampleApi, type SampleApi } from '../../src/sample-api/index.ts';
import { createLogger } from '../../src/log.ts';

export interface Stack {
  appOrigin: string;
  /** The running emulator (a new object after restartEmulator()). */
  emulator: Emulator;
  /** Stops the emulator and starts a new one on the same port, as after an outage. */
  restartEmulator(): Promise<void>;
  /** The sample web API the app calls (WEB_API_URI), checking the emulator's access tokens. */
  sampleApi: SampleApi;
  config: Config;
  logs: string[];
  close(): Promise<void>;
}

export type Mode = 'b2c' | 'external-id';

/** The variables a `.env` sets for a tenant of each provider, here pointing at the emulator. */
function tenantEnv(mode: Mode, emulator: Emulator): Record<string, string> {
  if (mode === 'external-id') {
    // One authority for everything; the B2C-only variables are not set (they would be refused).
    return { IDENTITY_PROVIDER: 'external-id', AUTHORITY: emulator.authority() };
  }
  return {
    SIGN_UP_SIGN_IN_POLICY_AUTHORITY: emulator.authority(emulator.flows.signUpSignIn),
    EDIT_PROFILE_POLICY_AUTHORITY: emulator.authority(emulator.flows.editProfile),
    RESET_PASSWORD_POLICY_AUTHORITY: emulator.authority(emulator.flows.resetPassword),
    AUTHORITY_DOMAIN: emulator.origin,
  };
}

/** `deps` may replace the app's parts (a recording identity, a store to look into, a quiet log);
 *  `redirectUris` are registered with the emulator beside the app's own (a public https origin);
 *  `mode` picks the provider the emulator plays and the app is configured for (default B2C). */
export async function startStack(
  env: Record<string, string> = {},
  deps: (config: Config) => AppDeps = () => ({}),
  { redirectUris = [], mode = 'b2c' }: { redirectUris?: string[]; mode?: Mode } = {},
): Promise<Stack> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const appOrigin = `http://localhost:${(server.address() as AddressInfo).port}`;

  const clientId = 'test-app';
  const clientSecret = 'test-app-secret';
  const clients = [{ clientId, clientSecret, redirectUris: [`${appOrigin}/redirect`, ...redirectUris], postLogoutRedirectUris: [appOrigin] }];
  // The codes the emulator "mails" stay in emulator.inbox (its page shows them) rather than the test output.
  const inboxLog = () => {};
  let emulator = await startEmulator({ port: 0, clients, mode, inboxLog });
  const susi = emulator.authority(emulator.flows.signUpSignIn);
  const sampleApi = await startSampleApi({
    mode,
    port: 0,
    authority: susi,
    audience: emulator.api.clientId,
    requiredScope: 'tasks.read',
    userFlows: Object.values(emulator.flows),
    timeoutMs: 5_000,
  });
  const config = loadConfig({
    SERVER_PORT: String((server.address() as AddressInfo).port),
    APP_CLIENT_ID: clientId,
    APP_CLIENT_SECRET: clientSecret,
    SESSION_SECRET: 'test-session-secret-test-session-secret',
    ...tenantEnv(mode, emulator),
    APP_REDIRECT_URI: `${appOrigin}/redirect`,
    // External ID: the app's default, its one authority's logout endpoint.
    ...(mode === 'b2c' ? { LOGOUT_ENDPOINT: `${susi}/oauth2/v2.0/logout?post_logout_redirect_uri=${appOrigin}` } : {}),
    WEB_API_URI: `${sampleApi.origin}/hello`,
    WEB_API_SCOPES: emulator.api.scopes.find((scope) => scope.endsWith('/tasks.read'))!,
    // As in production: the developers' /_flow view (which rewrites the session on every request
    // to list its events) only where a test turns it on by name.
    FLOW_VIEW: 'off',
    ...env,
  });

  const logs: string[] = [];
  const { app, close } = createApp(config, { log: createLogger('info', (line) => logs.push(line)), ...deps(config) });
  server.on('request', app.callback());

  return {
    appOrigin,
    get emulator() {
      return emulator;
    },
    async restartEmulator() {
      const port = Number(new URL(emulator.origin).port);
      await emulator.close();
      emulator = await startEmulator({ port, clients, mode, inboxLog });
    },
    sampleApi,
    config,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([close(), emulator.close(), sampleApi.close()]);
    },
  };
}
