// `npm run emulator`: the emulator alone, configured from the environment.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('src/emulator/main.ts', () => {
  it('prints its authorities and the demo credentials, serves them, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1', APP_CLIENT_ID: 'from-env', APP_REDIRECT_URI: 'http://localhost:3999/redirect' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('demo user')) resolve();
      });
    });
    const exited = once(child, 'exit');
    await Promise.race([ready, exited.then(() => { throw new Error(`exited early: ${stderr}`); })]);

    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(origin).toBeDefined();
    for (const flow of ['B2C_1_susi', 'B2C_1_edit_profile', 'B2C_1_reset_password']) {
      expect(stdout).toContain(`${origin}/emulator.onmicrosoft.com/${flow}`);
    }
    expect(stdout).toContain('demo@example.com / Passw0rd!');

    const authorize = new URL(`${origin}/emulator.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/authorize`);
    authorize.search = new URLSearchParams({
      client_id: 'from-env', redirect_uri: 'http://localhost:3999/redirect', response_type: 'code', scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(authorize, { redirect: 'manual' });
    expect(response.status).toBe(303);

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/Unsupported runtime/);
    expect(stderr).toBe('');
  });
});
