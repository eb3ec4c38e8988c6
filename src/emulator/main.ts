// `npm run emulator`: the emulator on its own, configured like the app (.env / environment).
import 'dotenv/config';

import { checkApiClientId, checkApiName, checkApiScopes } from './api.ts';
import { DEFAULT_API, DEFAULT_LIFETIMES, DEFAULT_LOCKOUT, startEmulator } from './index.ts';
import { checkLifetime } from './lifetimes.ts';
import { checkLockoutSetting } from './lockout.ts';

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

const emulator = await startEmulator({
  host: env('EMULATOR_HOST', '127.0.0.1'),
  port,
  clients: [{
    clientId: env('APP_CLIENT_ID', 'emulator-client'),
    clientSecret: env('APP_CLIENT_SECRET', 'emulator-secret'),
    redirectUris: [env('APP_REDIRECT_URI', 'http://localhost:3000/redirect')],
    postLogoutRedirectUris: [env('EMULATOR_POST_LOGOUT_URI', 'http://localhost:3000')],
  }],
  api,
  lifetimes,
  lockout,
});

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

const { flows, demoUser } = emulator;
console.log(`Azure AD B2C emulator listening on ${emulator.origin}`);
console.log(`  sign-up/sign-in:  ${emulator.authority(flows.signUpSignIn)}`);
console.log(`  profile edit:     ${emulator.authority(flows.editProfile)}`);
console.log(`  password reset:   ${emulator.authority(flows.resetPassword)}`);
console.log(`  issuer:           ${emulator.issuer}`);
console.log(`  web API:          client id ${emulator.api.clientId}, scopes ${emulator.api.scopes.join(' ')}`);
console.log(`  token lifetimes:  access/ID ${lifetimes.accessTokenSeconds} s, refresh ${lifetimes.refreshTokenSeconds} s`);
console.log(`  smart lockout:    after ${lockout.threshold} wrong passwords in a row, ${lockout.durationSeconds} s at first`);
console.log(`  demo user:        ${demoUser.email} / ${demoUser.password}`);
