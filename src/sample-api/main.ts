// `npm run sample-api`: the sample web API on its own, configured like the app (.env / environment).
// By default it trusts the built-in emulator (`npm run emulator`) and its default web API; with
// IDENTITY_PROVIDER=external-id, External ID's one AUTHORITY (`npm run emulator -- --external-id`).
import 'dotenv/config';

import { startSampleApi } from './index.ts';

const env = (name: string, fallback: string): string => process.env[name]?.trim() || fallback;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** The user flow an authority names: its last path segment (`.../contoso.onmicrosoft.com/B2C_1_susi`). */
function flowOf(name: string, fallback: string): { authority: string; flow: string } {
  const value = env(name, fallback);
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const segments = url?.pathname.split('/').filter(Boolean) ?? [];
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || segments.length < 2) {
    fail(`${name} must be a user flow authority such as https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi, got ${JSON.stringify(value)}`);
  }
  return { authority: value, flow: segments.at(-1)! };
}

const portText = env('SAMPLE_API_PORT', '3002');
const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
if (!Number.isInteger(port) || port > 65535) fail(`SAMPLE_API_PORT must be a port number, got ${JSON.stringify(portText)}`);
const host = env('SAMPLE_API_HOST', '127.0.0.1');
const audience = env('SAMPLE_API_CLIENT_ID', 'emulator-tasks-api');
if (/\s/.test(audience)) fail(`SAMPLE_API_CLIENT_ID must be an application id without spaces, got ${JSON.stringify(audience)}`);
const requiredScope = env('SAMPLE_API_SCOPE', 'tasks.read');
if (!/^[^\s/]+$/.test(requiredScope)) fail(`SAMPLE_API_SCOPE must be a scope's short name such as tasks.read, got ${JSON.stringify(requiredScope)}`);

const provider = env('IDENTITY_PROVIDER', 'b2c');
if (provider !== 'b2c' && provider !== 'external-id') fail(`IDENTITY_PROVIDER must be b2c or external-id, got ${JSON.stringify(provider)}`);
const externalId = provider === 'external-id';

const EMULATOR_TENANT = 'http://127.0.0.1:3001/emulator.onmicrosoft.com';
/** `npm run emulator -- --external-id`'s authority, its default tenant id. */
const EMULATOR_EXTERNAL_ID = 'http://127.0.0.1:3001/a1b2c3d4-0000-4000-8000-00000000e1d0';
let authority: string;
let userFlows: string[] = [];
if (externalId) {
  authority = env('AUTHORITY', EMULATOR_EXTERNAL_ID);
} else {
  const signUpSignIn = flowOf('SIGN_UP_SIGN_IN_POLICY_AUTHORITY', `${EMULATOR_TENANT}/B2C_1_susi`);
  authority = signUpSignIn.authority;
  userFlows = [
    signUpSignIn.flow,
    // Unset, these follow the sign-up/sign-in authority's tenant with the emulator's flow names.
    flowOf('EDIT_PROFILE_POLICY_AUTHORITY', signUpSignIn.authority.replace(/[^/]+\/?$/, 'B2C_1_edit_profile')).flow,
    flowOf('RESET_PASSWORD_POLICY_AUTHORITY', signUpSignIn.authority.replace(/[^/]+\/?$/, 'B2C_1_reset_password')).flow,
  ];
}

let api: Awaited<ReturnType<typeof startSampleApi>>;
try {
  api = await startSampleApi(externalId
    ? { host, port, mode: 'external-id', authority, audience, requiredScope }
    : { host, port, authority, audience, requiredScope, userFlows });
} catch (err) {
  // A bad AUTHORITY is a TypeError from the options check: one line naming the variable.
  if (externalId && err instanceof TypeError && /^authority/.test(err.message)) fail(`AUTHORITY ${err.message.slice('authority '.length)}`);
  fail(`the sample API did not start: ${err instanceof Error ? err.message : String(err)}`);
}

// Stop cleanly from the moment it listens, before announcing it (a supervisor may signal at once).
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping the sample API`);
  api.close().then(() => process.exit(0), (err: unknown) => {
    console.error(`the sample API did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));

console.log(`Sample web API listening on ${api.origin}`);
console.log(`  GET ${api.origin}/hello   needs a bearer access token from ${authority}`);
console.log(externalId
  ? `                            audience ${audience}, scope ${requiredScope}, External ID (tid checked)`
  : `                            audience ${audience}, scope ${requiredScope}, user flows ${userFlows.join(', ')}`);
console.log(`  GET ${api.origin}/public  needs no token`);
