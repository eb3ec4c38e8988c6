// One setting at a time: reading a variable, checking its form, and the one-line error that names
// it. src/config.ts puts the settings together into the app's Config.
import { isIP } from 'node:net';
import type { LogLevel } from './log.ts';
import type { RedisConfig } from './session/redis.ts';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

export type Env = Record<string, string | undefined>;


export const isLoopback = (host: string) => ['localhost', '127.0.0.1', '[::1]'].includes(host);

export function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function required(env: Env, name: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required');
  return value;
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export const LOG_LEVELS = ['info', 'warn', 'error', 'silent'] as const satisfies readonly LogLevel[];

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  return raw as T;
}

export function url(name: string, raw: string, production: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL (got "${raw}")`);
  }
  // Plain http only for a local emulator, and never in production.
  const httpAllowed = !production && isLoopback(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && httpAllowed)) {
    throw new ConfigError(name, `must be an https URL${production ? '' : ' (http only on localhost)'} (got "${raw}")`);
  }
  return parsed;
}

/** SESSION_STORE=redis://… (SESSION_STORE_OPTIONS: ioredis options as JSON, for Sentinel or
 *  Cluster). Values are never echoed: the URL may hold a password. */
export function redisStore(env: Env): RedisConfig | null {
  const raw = read(env, 'SESSION_STORE');
  if (raw === undefined || raw === 'memory') return null;
  if (!URL.canParse(raw) || !['redis:', 'rediss:'].includes(new URL(raw).protocol)) {
    throw new ConfigError('SESSION_STORE', 'must be "memory" or a redis:// or rediss:// URL');
  }
  const rawOptions = read(env, 'SESSION_STORE_OPTIONS');
  let options: unknown = {};
  if (rawOptions !== undefined) {
    try {
      options = JSON.parse(rawOptions);
    } catch {
      options = undefined;
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ConfigError('SESSION_STORE_OPTIONS', 'must be a JSON object of ioredis options');
    }
  }
  return { url: raw, options: options as Record<string, unknown> };
}

/** Where @statelyai/inspect's own bridge to the Stately Inspector listens (createInspectorServer). */
export const XSTATE_INSPECT_DEFAULT = 'ws://localhost:8080';

/** XSTATE_INSPECT: unset or "off", "on" (the bridge's default address) or a ws:// or wss:// URL. */
export function xstateInspect(env: Env, production: boolean): string | null {
  const raw = read(env, 'XSTATE_INSPECT');
  if (raw === undefined || raw === 'off') return null;
  if (production) throw new ConfigError('XSTATE_INSPECT', 'cannot be used when NODE_ENV=production (live inspection is for development)');
  if (raw === 'on') return XSTATE_INSPECT_DEFAULT;
  if (!URL.canParse(raw) || !['ws:', 'wss:'].includes(new URL(raw).protocol)) {
    throw new ConfigError('XSTATE_INSPECT', `must be "on" (${XSTATE_INSPECT_DEFAULT}), "off" or a ws:// or wss:// URL (got "${raw}")`);
  }
  return raw;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/i;

/** HOST: an IP address (IPv6 with or without brackets) or a host name. Unset: every interface in
 *  production, as before; elsewhere 127.0.0.1, so a developer's app is not open to the network.
 *  Not `localhost`: it may resolve to ::1 only, and IPv4 loopback exists everywhere; browsers and
 *  Node's fetch try both addresses of the printed http://localhost:PORT. */
export function listenHost(env: Env, production: boolean): string | null {
  const raw = read(env, 'HOST');
  if (raw === undefined) return production ? null : '127.0.0.1';
  const bare = /^\[.*\]$/.test(raw) ? raw.slice(1, -1) : raw;
  // All digits and dots but no IP address (999.0.0.1, 3000): a typo, not a host name.
  if (isIP(bare) === 0 && !(bare === raw && HOST_NAME.test(raw) && !/^[\d.]+$/.test(raw))) {
    throw new ConfigError('HOST', `must be an IP address or a host name to listen on, such as 127.0.0.1, ::1 or 0.0.0.0 (got ${JSON.stringify(raw)})`);
  }
  return bare;
}
