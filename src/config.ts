// The environment (the tutorial's variable names) -> one typed, validated config object.
// A bad value stops start-up with one line that names the variable; see ConfigError.
import { randomBytes } from 'node:crypto';
import type { Flow } from '../machines/session.ts';
import type { LogLevel } from './log.ts';
import type { RedisConfig } from './session/redis.ts';
import { CAPABILITIES, externalIdAuthority, FLOW_VARIABLES, identityProvider, type Capabilities, type IdentityProvider } from './config-provider.ts';
import { ConfigError, integer, listenHost, LOG_LEVELS, oneOf, read, redisStore, required, url, xstateInspect, type Env } from './config-values.ts';

export type { Capabilities, IdentityProvider } from './config-provider.ts';
export { ConfigError, XSTATE_INSPECT_DEFAULT, type Env } from './config-values.ts';

export interface UserFlowConfig {
  /** The authority as configured, e.g. https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi
   *  (External ID: its one authority, https://contoso.ciamlogin.com/contoso.onmicrosoft.com, for every flow) */
  authority: string;
  /** The user flow's name, the authority's last path segment (B2C puts it in the `tfp` claim);
   *  empty with External ID, whose tokens name no flow. */
  name: string;
}

export interface Config {
  port: number;
  /** Where the app listens (HOST): loopback outside production by default; null: every interface. */
  host: string | null;
  production: boolean;
  clientId: string;
  clientSecret: string;
  sessionSecret: string;
  /** Older secrets still accepted (cookie signatures, sealed store entries) during a rotation. */
  previousSessionSecrets: string[];
  /** Sessions and MSAL's token caches in Redis, shared by every instance; null: in memory. */
  sessionStore: RedisConfig | null;
  /** Azure AD B2C or Microsoft Entra External ID (IDENTITY_PROVIDER, or the authority's host). */
  provider: IdentityProvider;
  /** What the provider offers beyond sign-in (External ID: no profile edit, reset inside sign-in). */
  capabilities: Capabilities;
  flows: Record<Flow, UserFlowConfig>;
  /** Host (and port) that MSAL may trust as a B2C authority. */
  authorityDomain: string;
  redirectUri: string;
  logoutEndpoint: string;
  /** Set when the app starts the built-in B2C emulator itself. */
  emulator: { host: string; port: number } | null;
  /** The protected web API called on the person's behalf (GET with a bearer token); null: none. */
  webApi: { uri: string; scopes: string[] } | null;
  /** Set when the app starts the built-in sample API beside the emulator (WEB_API_URI unset). */
  sampleApi: { host: string; port: number } | null;
  /** How long any call to the identity provider may take. */
  idpTimeoutMs: number;
  /** Trust X-Forwarded-* from a TLS-terminating proxy (Koa's app.proxy). */
  trustProxy: boolean;
  /** Records below this level are dropped (LOG_LEVEL). */
  logLevel: LogLevel;
  /** The developers' live view of the statechart at /_flow: never in production. */
  flowView: boolean;
  /** Where each request's step is streamed for the Stately Inspector (XSTATE_INSPECT, a WebSocket
   *  URL); null: off. Never in production. */
  xstateInspect: string | null;
  /** How long a started sign-in (state, nonce, PKCE) may wait for its callback. */
  transactionTtlMs: number;
  /** A session ends after this long without a request, and this long after it began. */
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
}

export const EMULATOR_TENANT = 'emulator';
/** The emulator's tenant id in External ID mode, where the authority names the tenant by id. */
export const EMULATOR_TENANT_ID = 'a1b2c3d4-0000-4000-8000-00000000e1d0';
export const EMULATOR_FLOWS: Record<Flow, string> = {
  signUpSignIn: 'B2C_1_susi',
  editProfile: 'B2C_1_edit_profile',
  resetPassword: 'B2C_1_reset_password',
};
/** The web API the built-in emulator registers, and the sample API that serves it. */
export const EMULATOR_API = { clientId: 'emulator-tasks-api', name: 'tasks-api', scope: 'tasks.read', port: 3002 };
/** MSAL adds these to every request itself; B2C wants the API's own scopes listed. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

function authority(env: Env, flow: Flow, production: boolean): UserFlowConfig {
  const name = FLOW_VARIABLES[flow];
  const raw = required(env, name).replace(/\/+$/, '');
  const parsed = url(name, raw, production);
  const segments = parsed.pathname.split('/').filter(Boolean);
  if (segments.length !== 2 || parsed.search || parsed.hash) {
    throw new ConfigError(name, `must look like https://<tenant>.b2clogin.com/<tenant>.onmicrosoft.com/<user-flow> (got "${raw}")`);
  }
  return { authority: raw, name: segments[1]! };
}

/** Where the built-in emulator serves a flow: the same URL shape as B2C, on plain http. */
export function emulatorAuthority(host: string, port: number, flowName: string): string {
  return `http://${host}:${port}/${EMULATOR_TENANT}.onmicrosoft.com/${flowName}`;
}

/** WEB_API_URI and WEB_API_SCOPES, both or neither. */
function webApi(env: Env, production: boolean): Config['webApi'] {
  const uri = read(env, 'WEB_API_URI');
  const rawScopes = read(env, 'WEB_API_SCOPES');
  if (uri === undefined && rawScopes === undefined) return null;
  if (uri === undefined) throw new ConfigError('WEB_API_URI', 'is required when WEB_API_SCOPES is set');
  if (rawScopes === undefined) throw new ConfigError('WEB_API_SCOPES', 'is required when WEB_API_URI is set');
  const scopes = rawScopes.split(/\s+/);
  if (scopes.some((scope) => OIDC_SCOPES.has(scope.toLowerCase()))) {
    throw new ConfigError('WEB_API_SCOPES', `must list only the API's scopes, such as https://contoso.onmicrosoft.com/tasks-api/tasks.read (openid, profile and offline_access are added by MSAL) (got "${rawScopes}")`);
  }
  return { uri: url('WEB_API_URI', uri, production).href, scopes };
}

export function loadConfig(env: Env): Config {
  const production = env.NODE_ENV === 'production';
  const port = integer(env, 'SERVER_PORT', 3000, 0, 65535);
  const host = listenHost(env, production);
  const idpTimeoutMs = integer(env, 'IDP_TIMEOUT_MS', 10_000, 100, 120_000);
  const trustProxy = read(env, 'TRUST_PROXY') === 'true';
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  const minute = 60_000;
  const transactionTtlMs = integer(env, 'TRANSACTION_TTL_MS', 10 * minute, 1000, 24 * 60 * minute);
  const sessionIdleMs = integer(env, 'SESSION_IDLE_TIMEOUT_MS', 30 * minute, 1000, 7 * 24 * 60 * minute);
  const sessionAbsoluteMs = integer(env, 'SESSION_ABSOLUTE_TIMEOUT_MS', 8 * 60 * minute, 1000, 30 * 24 * 60 * minute);

  const provider = identityProvider(env);
  // B2C: the tutorial's variable per user flow. External ID: AUTHORITY, one for everything.
  const authorityVariable = provider === 'b2c' ? FLOW_VARIABLES.signUpSignIn : 'AUTHORITY';
  const useEmulator = read(env, authorityVariable) === undefined;
  if (useEmulator && production) {
    throw new ConfigError(authorityVariable, 'is required when NODE_ENV=production (the built-in emulator is for development)');
  }

  let emulator: Config['emulator'] = null;
  let flows: Record<Flow, UserFlowConfig>;
  const everyFlow = (one: UserFlowConfig) => ({ signUpSignIn: one, editProfile: one, resetPassword: one });
  if (useEmulator) {
    emulator = { host: read(env, 'EMULATOR_HOST') ?? '127.0.0.1', port: integer(env, 'EMULATOR_PORT', 3001, 1, 65535) };
    const { host, port: emulatorPort } = emulator;
    const flow = (f: Flow) => ({ authority: emulatorAuthority(host, emulatorPort, EMULATOR_FLOWS[f]), name: EMULATOR_FLOWS[f] });
    flows = provider === 'b2c'
      ? { signUpSignIn: flow('signUpSignIn'), editProfile: flow('editProfile'), resetPassword: flow('resetPassword') }
      : everyFlow({ authority: `http://${host}:${emulatorPort}/${EMULATOR_TENANT_ID}`, name: '' });
  } else if (provider === 'b2c') {
    flows = {
      signUpSignIn: authority(env, 'signUpSignIn', production),
      editProfile: authority(env, 'editProfile', production),
      resetPassword: authority(env, 'resetPassword', production),
    };
  } else {
    const raw = required(env, 'AUTHORITY').replace(/\/+$/, '');
    flows = everyFlow(externalIdAuthority(raw, url('AUTHORITY', raw, production)));
  }

  const susi = new URL(flows.signUpSignIn.authority);
  const appOrigin = `http://localhost:${port}`;
  const redirectUri = url('APP_REDIRECT_URI', read(env, 'APP_REDIRECT_URI') ?? `${appOrigin}/redirect`, false).href;
  const logoutEndpoint = url(
    'LOGOUT_ENDPOINT',
    read(env, 'LOGOUT_ENDPOINT') ??
      `${flows.signUpSignIn.authority}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(new URL(redirectUri).origin)}`,
    production,
  ).href;

  // The tutorial writes AUTHORITY_DOMAIN with its scheme; MSAL compares host names.
  const domainRaw = read(env, 'AUTHORITY_DOMAIN') ?? susi.origin;
  const authorityDomain = url('AUTHORITY_DOMAIN', domainRaw.includes('://') ? domainRaw : `https://${domainRaw}`, production).host;
  if (authorityDomain !== susi.host) {
    throw new ConfigError('AUTHORITY_DOMAIN', `must be the host of the authorities ("${susi.host}"), got "${domainRaw}"`);
  }

  // With the built-in emulator and no API of one's own, the built-in sample API is called.
  let api = webApi(env, production);
  let sampleApi: Config['sampleApi'] = null;
  if (api === null && emulator) {
    sampleApi = { host: emulator.host, port: integer(env, 'SAMPLE_API_PORT', EMULATOR_API.port, 1, 65535) };
    api = {
      uri: `http://${sampleApi.host}:${sampleApi.port}/hello`,
      // Each provider's form of an API scope: B2C's by tenant and API name, External ID's api://.
      scopes: [provider === 'b2c' ? `https://${EMULATOR_TENANT}.onmicrosoft.com/${EMULATOR_API.name}/${EMULATOR_API.scope}` : `api://${EMULATOR_API.clientId}/${EMULATOR_API.scope}`],
    };
  }

  const sessionStore = redisStore(env);
  // Instances sharing Redis must share the secret too, so a made-up one will not do.
  const sessionSecret = read(env, 'SESSION_SECRET') ?? (production || sessionStore ? undefined : randomBytes(32).toString('base64url'));
  if (sessionSecret === undefined) {
    throw new ConfigError('SESSION_SECRET', production ? 'is required when NODE_ENV=production' : 'is required when SESSION_STORE is set');
  }
  const previousSessionSecrets = (read(env, 'PREVIOUS_SESSION_SECRETS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const [name, secret] of [['SESSION_SECRET', sessionSecret], ...previousSessionSecrets.map((s) => ['PREVIOUS_SESSION_SECRETS', s])] as const) {
    if (production && secret.length < 32) throw new ConfigError(name, 'must be at least 32 characters when NODE_ENV=production');
  }

  return {
    port,
    host,
    production,
    clientId: useEmulator ? (read(env, 'APP_CLIENT_ID') ?? 'emulator-client') : required(env, 'APP_CLIENT_ID'),
    // The emulator is started with whatever secret we pick, so a random one will do.
    clientSecret: useEmulator
      ? (read(env, 'APP_CLIENT_SECRET') ?? randomBytes(24).toString('base64url'))
      : required(env, 'APP_CLIENT_SECRET'),
    sessionSecret,
    previousSessionSecrets,
    sessionStore,
    provider,
    capabilities: CAPABILITIES[provider],
    flows,
    authorityDomain,
    redirectUri,
    logoutEndpoint,
    emulator,
    webApi: api,
    sampleApi,
    idpTimeoutMs,
    trustProxy,
    logLevel,
    flowView: !production && read(env, 'FLOW_VIEW') !== 'off',
    xstateInspect: xstateInspect(env, production),
    transactionTtlMs,
    sessionIdleMs,
    sessionAbsoluteMs,
  };
}
