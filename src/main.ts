// Entry: config -> (built-in emulator) -> app -> listen; graceful shutdown on SIGTERM/SIGINT.
import type { ServerResponse } from 'node:http';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, EMULATOR_API, EMULATOR_TENANT_ID, loadConfig, type Config } from './config.ts';
import { createApp } from './app.ts';
import { listen } from './http/server.ts';
import { createLogger, keepServingOnUnhandledRejection } from './log.ts';
import { startEmulator, type Emulator } from './emulator/index.ts';
import { startSampleApi, type SampleApi } from './sample-api/index.ts';
import { within } from './within.ts';

// ./.env, or the file DOTENV_PATH names (dotenv reads it; the tests point it away from a
// developer's own .env). Variables already in the environment win over the file's.
loadDotenv({ quiet: true });

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

/** A service that cannot start (its port taken) is one line, not a stack trace. */
async function starting<T>(what: string, start: Promise<T>): Promise<T> {
  try {
    return await start;
  } catch (error) {
    console.error(`Cannot start the ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    process.exit(1);
  }
}

let emulator: Emulator | null = null;
if (config.emulator) {
  emulator = await starting('built-in emulator', startEmulator({
    // IDENTITY_PROVIDER=external-id with no AUTHORITY: the emulator plays an External ID tenant.
    mode: config.provider,
    tenantId: config.provider === 'external-id' ? EMULATOR_TENANT_ID : undefined,
    host: config.emulator.host,
    port: config.emulator.port,
    // The API the built-in sample API protects and the app's default WEB_API_SCOPES name.
    api: { clientId: EMULATOR_API.clientId, name: EMULATOR_API.name },
    clients: [
      {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        redirectUris: [config.redirectUri],
        postLogoutRedirectUris: [new URL(config.logoutEndpoint).searchParams.get('post_logout_redirect_uri') ?? new URL(config.redirectUri).origin],
      },
    ],
  }));
}

// Nothing configured: the built-in sample API answers the app's calls, checking the emulator's tokens.
let sampleApi: SampleApi | null = null;
if (config.sampleApi && emulator) {
  sampleApi = await starting(`sample API on port ${config.sampleApi.port}`, startSampleApi({
    mode: config.provider,
    host: config.sampleApi.host,
    port: config.sampleApi.port,
    authority: config.flows.signUpSignIn.authority,
    audience: emulator.api.clientId,
    requiredScope: EMULATOR_API.scope,
    userFlows: Object.values(config.flows).map((flow) => flow.name),
    timeoutMs: config.idpTimeoutMs,
  }));
}

const log = createLogger(config.logLevel);
keepServingOnUnhandledRejection(log);

const { app, close } = createApp(config, { log });
const server = listen(app, config, () => {
  const appUrl = new URL(config.redirectUri).origin;
  console.log(`App listening at ${appUrl}`);
  if (emulator) {
    console.log(config.provider === 'b2c'
      ? `Built-in Azure AD B2C emulator at ${emulator.origin} (set SIGN_UP_SIGN_IN_POLICY_AUTHORITY to use a real tenant)`
      : `Built-in Microsoft Entra External ID emulator at ${emulator.authority()} (set AUTHORITY to use a real tenant)`);
    console.log(`Demo user: ${emulator.demoUser.email} / ${emulator.demoUser.password}`);
  }
  if (sampleApi) {
    console.log(`Built-in sample web API at ${sampleApi.origin}/hello (set WEB_API_URI and WEB_API_SCOPES to call your own)`);
  }
});
server.on('error', (error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on ${config.host === null ? '' : `${config.host} `}port ${config.port}: ${error.code ?? error.message}`);
  process.exit(1);
});

/** Requests in flight get this long to finish once a stop is asked for: their identity-provider
 *  calls are bounded by IDP_TIMEOUT_MS, and rendering takes a moment more. */
const DRAIN_MS = config.idpTimeoutMs + 5_000;
/** Then the session store and the emulator get this long to close. */
const CLOSE_MS = 5_000;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    // A second Ctrl-C: whoever is at the terminal does not want to wait for the drain.
    if (signal === 'SIGINT') {
      log.warn({ msg: 'stopped at once: requests in flight were cut off', signal });
      process.exit(130);
    }
    return;
  }
  stopping = true;
  // No new connections from here on; a request arriving on a kept-alive one is answered, and its
  // connection closed after.
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  server.on('request', (_req, res: ServerResponse) => void res.setHeader('Connection', 'close'));
  log.info({ msg: 'stopping: finishing requests in flight', signal });
  // A connection that finishes its request is left idle (kept alive): close those as they appear.
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  server.closeIdleConnections();
  const drainedInTime = (await within(DRAIN_MS, drained)) !== undefined;
  clearInterval(idle);
  if (!drainedInTime) {
    log.warn({ msg: `requests still in flight after ${DRAIN_MS} ms were cut off` });
    server.closeAllConnections();
  }
  const closed = (await within(CLOSE_MS, Promise.allSettled([close(), emulator?.close(), sampleApi?.close()]))) !== undefined;
  if (!closed) log.warn({ msg: `the session store or the emulator did not close within ${CLOSE_MS} ms` });
  log.info({ msg: 'stopped', signal });
  process.exit(0); // the log is flushed on exit
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
