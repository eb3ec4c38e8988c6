// XSTATE_INSPECT: live inspection in the Stately Inspector, for development only. Unset or "off":
// nothing is streamed; "on": @statelyai/inspect's own bridge (ws://localhost:8080); or a ws:// or
// wss:// URL. With NODE_ENV=production it is refused, in one line naming it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, XSTATE_INSPECT_DEFAULT } from '../../src/config.ts';

const production = {
  NODE_ENV: 'production',
  APP_CLIENT_ID: 'id',
  APP_CLIENT_SECRET: 'secret',
  SESSION_SECRET: 'x'.repeat(40),
  SIGN_UP_SIGN_IN_POLICY_AUTHORITY: 'https://t.b2clogin.com/t.onmicrosoft.com/B2C_1_susi',
  EDIT_PROFILE_POLICY_AUTHORITY: 'https://t.b2clogin.com/t.onmicrosoft.com/B2C_1_edit',
  RESET_PASSWORD_POLICY_AUTHORITY: 'https://t.b2clogin.com/t.onmicrosoft.com/B2C_1_reset',
  APP_REDIRECT_URI: 'https://app.example/redirect',
};

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('XSTATE_INSPECT', () => {
  it('is off unless set', () => {
    expect(loadConfig({}).xstateInspect).toBeNull();
    expect(loadConfig({ XSTATE_INSPECT: 'off' }).xstateInspect).toBeNull();
    expect(loadConfig({ XSTATE_INSPECT: '' }).xstateInspect).toBeNull();
  });

  it('"on" is the inspector bridge of @statelyai/inspect; a WebSocket URL is taken as it is', () => {
    expect(XSTATE_INSPECT_DEFAULT).toBe('ws://localhost:8080');
    expect(loadConfig({ XSTATE_INSPECT: 'on' }).xstateInspect).toBe('ws://localhost:8080');
    expect(loadConfig({ XSTATE_INSPECT: 'ws://127.0.0.1:9000' }).xstateInspect).toBe('ws://127.0.0.1:9000');
    expect(loadConfig({ XSTATE_INSPECT: 'wss://inspect.example/x' }).xstateInspect).toBe('wss://inspect.example/x');
  });

  it('anything else is refused, naming the variable', () => {
    for (const bad of ['yes', 'http://localhost:8080', 'localhost:8080']) {
      const error = failure({ XSTATE_INSPECT: bad });
      expect(error.variable).toBe('XSTATE_INSPECT');
      expect(error.message).toBe(`XSTATE_INSPECT must be "on" (ws://localhost:8080), "off" or a ws:// or wss:// URL (got "${bad}")`);
    }
  });

  it('is refused in production, in one line; "off" is not', () => {
    expect(loadConfig(production).xstateInspect).toBeNull();
    expect(loadConfig({ ...production, XSTATE_INSPECT: 'off' }).xstateInspect).toBeNull();
    for (const value of ['on', 'ws://localhost:8080']) {
      expect(failure({ ...production, XSTATE_INSPECT: value }).message).toBe(
        'XSTATE_INSPECT cannot be used when NODE_ENV=production (live inspection is for development)',
      );
    }
  });

  it('start-up in production with it set prints that line and exits 1', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, ...production, XSTATE_INSPECT: 'on', DOTENV_PATH: '/nonexistent/.env' },
    });
    const result = await run.then(() => null, (error: { code: number; stderr: string }) => error);
    expect(result?.code).toBe(1);
    expect(result?.stderr.trim()).toBe('Configuration error: XSTATE_INSPECT cannot be used when NODE_ENV=production (live inspection is for development)');
  });
});
