// `npm run emulator`: the emulator on its own, configured like the app (.env / environment), for
// our app or any other. `-- --https` (or EMULATOR_HTTPS=true) serves https with a local CA;
// `-- --clients <file.json>` registers the applications that file lists instead of the APP_* one;
// `-- --external-id` (or EMULATOR_MODE=external-id) plays Microsoft Entra External ID instead of B2C.
import 'dotenv/config';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

import { readClientsFile } from './clients-file.ts';
import { checkApiClientId, checkApiName, checkApiScopes } from './api.ts';
import { DEFAULT_API, DEFAULT_LIFETIMES, DEFAULT_LOCKOUT, startEmulator } from './index.ts';
import { checkLifetime } from './lifetimes.ts';
import { checkLockoutSetting } from './lockout.ts';
import type { Emulator, EmulatorClient } from './options.ts';

const env = (name: string, fallback: string): string => process.env[name]?.trim() || fallback;

/** A setting from the environment, checked; a bad one is one line naming the variable, and exit 1. */
function setting<T>(name: string, fallback: string, check: (raw: string, name: string) => T): T {
  try {
    return check(env(name, fallback), name);
  } catch (err) {
    console.error(err instanceof TypeError ? err.message : `${name} is not valid`);
    process.exit(1);
  }
}

const seconds = (field: 'accessTokenSeconds' | 'refreshTokenSeconds') => (raw: string, name: string): number =>
  checkLifetime(field, /^\d+$/.test(raw) ? Number(raw) : raw, name);

const whole = (field: 'threshold' | 'durationSeconds') => (raw: string, name: string): number =>
  checkLockoutSetting(field, /^\d+$/.test(raw) ? Number(raw) : raw, name);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let args: { https?: boolean; clients?: string; 'external-id'?: boolean } = {};
try {
  ({ values: args } = parseArgs({ options: { https: { type: 'boolean' }, clients: { type: 'string' }, 'external-id': { type: 'boolean' } }, strict: true }));
} catch (err) {
  fail(`npm run emulator: ${(err as Error).message.split('\n')[0]} (options: --https, --clients <file.json>, --external-id)`);
}

const flag = (raw: string, name: string): boolean => {
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new TypeError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
};
const https = args.https === true || setting('EMULATOR_HTTPS', 'false', flag);
const mode = args['external-id'] === true ? 'external-id' : setting('EMULATOR_MODE', 'b2c', (raw, name) => {
  if (raw === 'b2c' || raw === 'external-id') return raw;
  throw new TypeError(`${name} must be b2c or external-id, got ${JSON.stringify(raw)}`);
});
const externalId = mode === 'external-id';
// Read in External ID mode only; startEmulator checks it (a GUID).
const tenantId = externalId ? process.env.EMULATOR_TENANT_ID?.trim() || undefined : undefined;
// B2C's rule for web apps unless told: PKCE checked when the app sends it, not required.
const requirePkce = setting('EMULATOR_REQUIRE_PKCE', 'false', flag);

const port = Number(env('EMULATOR_PORT', '3001'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`EMULATOR_PORT must be a port number, got ${JSON.stringify(process.env.EMULATOR_PORT)}`);
  process.exit(1);
}
const api = {
  clientId: setting('EMULATOR_API_CLIENT_ID', DEFAULT_API.clientId, checkApiClientId),
  name: setting('EMULATOR_API_NAME', DEFAULT_API.name, checkApiName),
  scopes: setting('EMULATOR_API_SCOPES', DEFAULT_API.scopes.join(' '), (raw, name) => checkApiScopes(raw.split(/\s+/), name)),
};
const lifetimes = {
  accessTokenSeconds: setting('EMULATOR_ACCESS_TOKEN_LIFETIME', String(DEFAULT_LIFETIMES.accessTokenSeconds), seconds('accessTokenSeconds')),
  refreshTokenSeconds: setting('EMULATOR_REFRESH_TOKEN_LIFETIME', String(DEFAULT_LIFETIMES.refreshTokenSeconds), seconds('refreshTokenSeconds')),
};
const lockout = {
  threshold: setting('EMULATOR_LOCKOUT_THRESHOLD', String(DEFAULT_LOCKOUT.threshold), whole('threshold')),
  durationSeconds: setting('EMULATOR_LOCKOUT_SECONDS', String(DEFAULT_LOCKOUT.durationSeconds), whole('durationSeconds')),
};

/** The one application the app's (or the tutorial's) .env describes. */
function clientFromEnvironment(): EmulatorClient {
  const postLogout = new Set([env('EMULATOR_POST_LOGOUT_URI', 'http://localhost:3000')]);
  // The tutorial's LOGOUT_ENDPOINT names the page sign-out returns to: register it too.
  const logout = process.env.LOGOUT_ENDPOINT?.trim();
  const named = logout && URL.canParse(logout) ? new URL(logout).searchParams.get('post_logout_redirect_uri') : null;
  if (named && URL.canParse(named)) postLogout.add(named);
  return {
    clientId: env('APP_CLIENT_ID', 'emulator-client'),
    clientSecret: env('APP_CLIENT_SECRET', 'emulator-secret'),
    redirectUris: [env('APP_REDIRECT_URI', 'http://localhost:3000/redirect')],
    postLogoutRedirectUris: [...postLogout],
  };
}

let clients: EmulatorClient[] = [];
try {
  clients = args.clients === undefined ? [clientFromEnvironment()] : await readClientsFile(args.clients);
} catch (err) {
  fail((err as Error).message);
}

let emulator: Emulator;
try {
  emulator = await startEmulator({
    mode,
    ...(tenantId ? { tenantId } : {}),
    host: env('EMULATOR_HOST', '127.0.0.1'),
    port,
    clients,
    api,
    lifetimes,
    lockout,
    requirePkce,
    // EMULATOR_CERT_DIR unset: the project's .emulator-certs/.
    ...(https ? { https: { certDir: process.env.EMULATOR_CERT_DIR?.trim() || undefined } } : {}),
  });
} catch (err) {
  // A certificate that cannot be used, a port in use, a bad redirect URI: one line, no stack.
  const error = err as NodeJS.ErrnoException;
  fail(`Cannot start the emulator: ${error.code === 'EADDRINUSE' ? `port ${port} is in use` : error.message}`);
}

// Stop cleanly from the moment it listens, before announcing it (a supervisor may signal at once).
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping the emulator`);
  emulator.close().then(() => process.exit(0), (err: unknown) => {
    console.error('the emulator did not stop cleanly', err);
    process.exit(1);
  });
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));

const { flows, demoUser, caCertPath } = emulator;
if (externalId) {
  console.log(`Microsoft Entra External ID emulator listening on ${emulator.origin}`);
  console.log(`  authority:        ${emulator.authority()} (the one authority: sign-up, sign-in and password reset)`);
  console.log(`  discovery:        ${emulator.authority()}/.well-known/openid-configuration`);
  console.log(`  tenant id:        ${emulator.tenantId}`);
  console.log(`  issuer:           ${emulator.issuer}`);
  console.log('  one-time codes:   no mail is sent; each code is shown on the emulator\'s page and logged here');
} else {
  console.log(`Azure AD B2C emulator listening on ${emulator.origin}`);
  console.log(`  sign-up/sign-in:  ${emulator.authority(flows.signUpSignIn)}`);
  console.log(`  profile edit:     ${emulator.authority(flows.editProfile)}`);
  console.log(`  password reset:   ${emulator.authority(flows.resetPassword)}`);
  console.log(`  authority domain: ${emulator.origin}`);
  console.log(`  issuer:           ${emulator.issuer}`);
}
for (const client of clients) {
  console.log(`  application:      client id ${client.clientId}, redirect URIs ${client.redirectUris.join(' ')}`);
}
console.log(`  PKCE:             ${requirePkce ? 'required (EMULATOR_REQUIRE_PKCE=true)' : `checked when sent, not required (${externalId ? 'as for web apps' : 'B2C\'s rule for web apps'})`}`);
if (caCertPath) {
  console.log(`  certificates:     ${dirname(caCertPath)} (local CA, and a server certificate for localhost, 127.0.0.1, ::1)`);
  console.log(`  for a Node app:   NODE_EXTRA_CA_CERTS=${caCertPath}`);
  console.log(`  for a browser/OS: trust ${caCertPath} as a root certificate authority`);
}
console.log(`  web API:          client id ${emulator.api.clientId}, scopes ${emulator.api.scopes.join(' ')}`);
console.log(`  token lifetimes:  access/ID ${lifetimes.accessTokenSeconds} s, refresh ${lifetimes.refreshTokenSeconds} s`);
console.log(`  smart lockout:    after ${lockout.threshold} wrong passwords in a row, ${lockout.durationSeconds} s at first`);
console.log(`  demo user:        ${demoUser.email} / ${demoUser.password}`);
