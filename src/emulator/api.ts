// The one web API registered in the emulated tenant, and how an authorization request's scopes are
// judged against it. B2C writes an API scope as `https://<tenant>.onmicrosoft.com/<api name>/<scope>`;
// External ID as `api://<api client id>/<scope>` (its default App ID URI).
import { API_PERMISSIONS, MANY_RESOURCES, b2cDescription } from './b2c-errors.ts';
import type { Tenant } from './options.ts';

export interface ApiOptions { clientId?: string; name?: string; scopes?: string[] }

/** What the Emulator object says about the API: `scopes` in the service's full form. */
export interface EmulatorApi { clientId: string; name: string; scopes: string[] }

export interface ApiRegistration extends EmulatorApi {
  /** The App ID URI every scope hangs off: `https://<tenant>.onmicrosoft.com/<name>` (B2C), `api://<clientId>` (External ID). */
  resource: string;
  /** Full form to short name (`tasks.read`), in registration order. */
  shortNames: Map<string, string>;
}

export const DEFAULT_API = { clientId: 'emulator-tasks-api', name: 'tasks-api', scopes: ['tasks.read', 'tasks.write'] } as const;

/** Scopes B2C treats as OpenID Connect's own, never as an API's. */
const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile']);

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function checkApiClientId(value: unknown, label = 'api.clientId'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/.test(value)) {
    throw new TypeError(`${label} must be an application id such as "emulator-tasks-api", got ${show(value)}`);
  }
  return value;
}

export function checkApiName(value: unknown, label = 'api.name'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(value)) {
    throw new TypeError(`${label} must be one URL path segment such as "tasks-api", got ${show(value)}`);
  }
  return value;
}

export function checkApiScopes(value: unknown, label = 'api.scopes'): string[] {
  const valid = Array.isArray(value) && value.length > 0
    && value.every((scope) => typeof scope === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(scope) && !OIDC_SCOPES.has(scope))
    && new Set(value).size === value.length;
  if (!valid) throw new TypeError(`${label} must be distinct short scope names such as "tasks.read tasks.write", got ${show(value)}`);
  return [...(value as string[])];
}

export function resolveApi(options: ApiOptions | undefined, tenant: Tenant): ApiRegistration {
  const clientId = checkApiClientId(options?.clientId ?? DEFAULT_API.clientId);
  const name = checkApiName(options?.name ?? DEFAULT_API.name);
  const short = checkApiScopes(options?.scopes ?? [...DEFAULT_API.scopes]);
  const resource = tenant.mode === 'external-id' ? `api://${clientId}` : `https://${tenant.domain}/${name}`;
  const shortNames = new Map(short.map((scope) => [`${resource}/${scope}`, scope]));
  return { clientId, name, scopes: [...shortNames.keys()], resource, shortNames };
}

/**
 * Judges the scopes an authorization request names (as sent, before oidc-provider drops the ones it
 * does not know): the B2C error description when they cannot be granted, else undefined.
 * Like B2C: scopes of one resource only (AADB2C90146); a resource that is not the registered API, or
 * none of its scopes known, is AADB2C90205; unknown scopes beside a known one are dropped. Bare
 * words (`email`, a client id) are left to oidc-provider, which drops them as it always has.
 */
export function refusedScopes(
  requested: string | undefined, api: ApiRegistration, describe: (message: string) => string = b2cDescription,
): string | undefined {
  const resourceScopes = (requested ?? '').split(' ').filter((scope) => scope.includes('/') && !OIDC_SCOPES.has(scope));
  if (resourceScopes.length === 0) return undefined;
  const resources = new Set(resourceScopes.map((scope) => scope.slice(0, scope.lastIndexOf('/')).toLowerCase()));
  if (resources.size > 1) return describe(MANY_RESOURCES(resourceScopes.join(' ')));
  if (!resources.has(api.resource.toLowerCase()) || !resourceScopes.some((scope) => api.shortNames.has(scope))) {
    return describe(API_PERMISSIONS);
  }
  return undefined;
}

/** The registered API's scopes (full form, registration order) found in a space-separated scope string. */
export function grantedApiScopes(scope: string | undefined, api: ApiRegistration): string[] {
  const granted = new Set((scope ?? '').split(' '));
  return api.scopes.filter((full) => granted.has(full));
}
