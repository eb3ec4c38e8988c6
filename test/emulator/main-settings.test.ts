// `npm run emulator`: the web API and token lifetimes from the environment.
import { describe, expect, it } from 'vitest';
import { expectRefusedNaming, printed, runScript } from '../support/script.ts';

const run = (env: Record<string, string>) => runScript('src/emulator/main.ts', { EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1', ...env });

describe('src/emulator/main.ts settings', () => {
  it('registers the API and lifetimes the environment names, prints them, and issues tokens by them', async () => {
    const { child, out, exited } = run({
      EMULATOR_API_CLIENT_ID: 'notes-api-id', EMULATOR_API_NAME: 'notes', EMULATOR_API_SCOPES: ' notes.read  notes.write ',
      EMULATOR_ACCESS_TOKEN_LIFETIME: '600', EMULATOR_REFRESH_TOKEN_LIFETIME: '86400',
    });
    await printed({ child, out, exited }, 'demo user');
    expect(out.stdout).toContain('client id notes-api-id');
    expect(out.stdout).toContain('https://emulator.onmicrosoft.com/notes/notes.read https://emulator.onmicrosoft.com/notes/notes.write');
    expect(out.stdout).toMatch(/access\/ID 600 s, refresh 86400 s/);
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(out.stderr).toBe('');
  });

  it.each([
    ['EMULATOR_API_CLIENT_ID', 'has space'],
    ['EMULATOR_API_NAME', 'a/b'],
    ['EMULATOR_API_SCOPES', 'read read'],
    ['EMULATOR_API_SCOPES', 'openid'],
    ['EMULATOR_ACCESS_TOKEN_LIFETIME', '1.5'],
    ['EMULATOR_ACCESS_TOKEN_LIFETIME', 'soon'],
    ['EMULATOR_REFRESH_TOKEN_LIFETIME', '0'],
    ['EMULATOR_REFRESH_TOKEN_LIFETIME', String(91 * 86400)],
  ])('%s=%j is one line on stderr naming the variable, and exit 1', async (name, value) => {
    await expectRefusedNaming(run({ [name]: value }), name);
  });
});
