// The tutorial's .env names, read and checked: a bad value names its variable, never a stack trace.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

// Absolute, so that main.ts can start from another working directory.
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

const tenant = {
  APP_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  APP_CLIENT_SECRET: 'tenant-secret',
  SESSION_SECRET: 'a-session-secret-that-is-long-enough-123',
  SIGN_UP_SIGN_IN_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi_node_app',
  RESET_PASSWORD_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_reset_password_node_app',
  EDIT_PROFILE_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_edit_profile_node_app',
  AUTHORITY_DOMAIN: 'https://contoso.b2clogin.com',
  APP_REDIRECT_URI: 'http://localhost:3000/redirect',
  LOGOUT_ENDPOINT: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi_node_app/oauth2/v2.0/logout?post_logout_redirect_uri=http://localhost:3000',
};

function failure(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('reads a tutorial .env unchanged', () => {
    const config = loadConfig({ ...tenant, SERVER_PORT: '3000' });
    expect(config.emulator).toBeNull();
    expect(config.port).toBe(3000);
    expect(config.flows.signUpSignIn).toEqual({ authority: tenant.SIGN_UP_SIGN_IN_POLICY_AUTHORITY, name: 'B2C_1_susi_node_app' });
    expect(config.flows.resetPassword.name).toBe('B2C_1_reset_password_node_app');
    expect(config.authorityDomain).toBe('contoso.b2clogin.com');
    expect(config.logoutEndpoint).toBe(tenant.LOGOUT_ENDPOINT);
  });

  it('uses the built-in emulator when no authority is set', () => {
    const config = loadConfig({});
    expect(config.emulator).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(config.flows.signUpSignIn.authority).toBe('http://127.0.0.1:3001/emulator.onmicrosoft.com/B2C_1_susi');
    expect(config.redirectUri).toBe('http://localhost:3000/redirect');
    expect(new URL(config.logoutEndpoint).searchParams.get('post_logout_redirect_uri')).toBe('http://localhost:3000');
  });

  it('the web API: both variables or neither, each alone named in one line', () => {
    const api = { WEB_API_URI: 'https://api.contoso.com/hello', WEB_API_SCOPES: 'https://contoso.onmicrosoft.com/tasks-api/tasks.read https://contoso.onmicrosoft.com/tasks-api/tasks.write' };
    expect(loadConfig({ ...tenant, ...api }).webApi).toEqual({
      uri: 'https://api.contoso.com/hello',
      scopes: ['https://contoso.onmicrosoft.com/tasks-api/tasks.read', 'https://contoso.onmicrosoft.com/tasks-api/tasks.write'],
    });
    expect(failure({ ...tenant, WEB_API_URI: api.WEB_API_URI }).message).toBe('WEB_API_SCOPES is required when WEB_API_URI is set');
    expect(failure({ ...tenant, WEB_API_SCOPES: api.WEB_API_SCOPES }).message).toBe('WEB_API_URI is required when WEB_API_SCOPES is set');
    expect(failure({ ...tenant, ...api, WEB_API_URI: 'http://api.contoso.com/hello' }).variable).toBe('WEB_API_URI');
    expect(failure({ ...tenant, ...api, WEB_API_SCOPES: 'openid https://contoso.onmicrosoft.com/tasks-api/tasks.read' }).variable).toBe('WEB_API_SCOPES');
  });

  it('no web API against a real tenant unless configured; the built-in sample API beside the emulator', () => {
    expect(loadConfig(tenant)).toMatchObject({ webApi: null, sampleApi: null });
    expect(loadConfig({})).toMatchObject({
      webApi: { uri: 'http://127.0.0.1:3002/hello', scopes: ['https://emulator.onmicrosoft.com/tasks-api/tasks.read'] },
      sampleApi: { host: '127.0.0.1', port: 3002 },
    });
    // An API of one's own wins over the sample, with the emulator too.
    expect(loadConfig({ WEB_API_URI: 'http://localhost:5000/hello', WEB_API_SCOPES: 'https://emulator.onmicrosoft.com/my-api/read' })).toMatchObject({
      webApi: { uri: 'http://localhost:5000/hello' },
      sampleApi: null,
    });
  });

  it('never starts the emulator by itself in production', () => {
    expect(failure({ NODE_ENV: 'production' }).variable).toBe('SIGN_UP_SIGN_IN_POLICY_AUTHORITY');
  });

  it('requires a strong session secret in production', () => {
    expect(failure({ ...tenant, NODE_ENV: 'production', SESSION_SECRET: 'short' }).message).toMatch(/SESSION_SECRET must be at least 32/);
    const { SESSION_SECRET: _, ...withoutSecret } = tenant;
    expect(failure({ ...withoutSecret, NODE_ENV: 'production' }).variable).toBe('SESSION_SECRET');
  });

  it.each([
    ['SERVER_PORT', 'eighty', /SERVER_PORT must be a whole number/],
    ['SIGN_UP_SIGN_IN_POLICY_AUTHORITY', 'not a url', /must be an absolute URL/],
    ['EDIT_PROFILE_POLICY_AUTHORITY', 'http://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_e', /must be an https URL/],
    ['RESET_PASSWORD_POLICY_AUTHORITY', 'https://contoso.b2clogin.com/B2C_1_reset', /must look like/],
    ['AUTHORITY_DOMAIN', 'https://fabrikam.b2clogin.com', /must be the host of the authorities/],
    ['IDP_TIMEOUT_MS', '5', /IDP_TIMEOUT_MS must be a whole number from 100/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of info, warn, error, silent/],
    ['HOST', 'http://0.0.0.0:3000', /HOST must be an IP address or a host name/],
    ['HOST', '0.0.0.0:3000', /HOST must be an IP address or a host name/],
    ['HOST', '999.0.0.1', /HOST must be an IP address or a host name/],
    ['HOST', 'app host', /HOST must be an IP address or a host name/],
  ])('%s=%s is refused with a line naming it', (name, value, message) => {
    const error = failure({ ...tenant, [name]: value });
    expect(error.variable).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('listens on loopback outside production and on every interface in production, unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig(tenant).host).toBe('127.0.0.1');
    expect(loadConfig({ ...tenant, NODE_ENV: 'production' }).host).toBeNull();
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...tenant, NODE_ENV: 'production', HOST: '10.1.2.3' }).host).toBe('10.1.2.3');
    expect(loadConfig({ HOST: '[::1]' }).host).toBe('::1');
    expect(loadConfig({ HOST: 'app.internal' }).host).toBe('app.internal');
    // One line, whatever was typed.
    expect(failure({ HOST: '0.0.0.0\nConfiguration ok' }).message).not.toContain('\n');
  });

  it('logs at info unless LOG_LEVEL says otherwise', () => {
    expect(loadConfig(tenant).logLevel).toBe('info');
    expect(loadConfig({ ...tenant, LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
  });

  it('puts sessions in Redis only when SESSION_STORE says so, with ioredis options as JSON', () => {
    expect(loadConfig(tenant).sessionStore).toBeNull();
    expect(loadConfig({ ...tenant, SESSION_STORE: 'memory' }).sessionStore).toBeNull();
    const sentinel = '{"sentinels":[{"host":"10.0.0.5","port":26379}],"name":"sessions"}';
    expect(loadConfig({ ...tenant, SESSION_STORE: 'redis://redis:6379/2', SESSION_STORE_OPTIONS: sentinel }).sessionStore).toEqual({
      url: 'redis://redis:6379/2',
      options: JSON.parse(sentinel),
    });
  });

  it('refuses a bad SESSION_STORE without echoing it (it may hold a password)', () => {
    const error = failure({ ...tenant, SESSION_STORE: 'http://user:hunter2@redis:6379' });
    expect(error.variable).toBe('SESSION_STORE');
    expect(error.message).not.toContain('hunter2');
    expect(failure({ ...tenant, SESSION_STORE: 'redis://redis', SESSION_STORE_OPTIONS: '[1]' }).variable).toBe('SESSION_STORE_OPTIONS');
    expect(failure({ ...tenant, SESSION_STORE: 'redis://redis', SESSION_STORE_OPTIONS: '{oops' }).variable).toBe('SESSION_STORE_OPTIONS');
  });

  it('wants one shared SESSION_SECRET when instances share Redis, and takes older ones for rotation', () => {
    const { SESSION_SECRET: _, ...withoutSecret } = tenant;
    expect(failure({ ...withoutSecret, SESSION_STORE: 'redis://redis' }).message).toBe('SESSION_SECRET is required when SESSION_STORE is set');
    const old = 'an-older-session-secret-still-accepted-1, another-older-one-still-accepted-for-now';
    expect(loadConfig({ ...tenant, PREVIOUS_SESSION_SECRETS: old }).previousSessionSecrets).toEqual([
      'an-older-session-secret-still-accepted-1',
      'another-older-one-still-accepted-for-now',
    ]);
    expect(failure({ ...tenant, NODE_ENV: 'production', PREVIOUS_SESSION_SECRETS: 'short' }).variable).toBe('PREVIOUS_SESSION_SECRETS');
  });

  it('names a missing variable of a real tenant', () => {
    const { APP_CLIENT_SECRET: _, ...env } = tenant;
    expect(failure(env).message).toBe('APP_CLIENT_SECRET is required');
  });

  it('start-up with a bad value prints one line and exits 1', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, SERVER_PORT: 'eighty', DOTENV_PATH: '/nonexistent/.env' },
    });
    const result = await run.then(() => null, (error: { code: number; stderr: string }) => error);
    expect(result?.code).toBe(1);
    expect(result?.stderr.trim()).toBe('Configuration error: SERVER_PORT must be a whole number from 0 to 65535 (got "eighty")');
  });

  it('reads ./.env, or instead the file DOTENV_PATH names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'b2c-env-'));
    const start = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['--import', TSX, MAIN], { cwd: dir, env: { PATH: process.env.PATH, ...env } }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
    try {
      await writeFile(join(dir, '.env'), 'SERVER_PORT=eighty\n');
      await writeFile(join(dir, 'other.env'), 'SERVER_PORT=ninety\n');
      expect((await start({}))?.stderr).toContain('(got "eighty")');
      const other = await start({ DOTENV_PATH: join(dir, 'other.env') });
      expect(other?.code).toBe(1);
      expect(other?.stderr.trim()).toBe('Configuration error: SERVER_PORT must be a whole number from 0 to 65535 (got "ninety")');
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
