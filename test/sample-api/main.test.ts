// `npm run sample-api`: the sample API alone, configured from the environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedNaming, printed, runScript } from '../support/script.ts';

import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { apiTokens, CLIENT } from '../emulator/fixtures.ts';

const run = (env: Record<string, string>) => runScript('src/sample-api/main.ts', { SAMPLE_API_PORT: '0', SAMPLE_API_HOST: '127.0.0.1', ...env });

describe('src/sample-api/main.ts', () => {
  let emulator: Emulator;
  beforeAll(async () => { emulator = await startEmulator({ port: 0, clients: [CLIENT] }); });
  afterAll(() => emulator.close());

  it('prints where it listens and what it protects, serves /public and /hello, and stops cleanly on SIGTERM', async () => {
    const { child, out, exited } = run({
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: emulator.authority(emulator.flows.signUpSignIn),
      EDIT_PROFILE_POLICY_AUTHORITY: emulator.authority(emulator.flows.editProfile),
      RESET_PASSWORD_POLICY_AUTHORITY: emulator.authority(emulator.flows.resetPassword),
      SAMPLE_API_CLIENT_ID: emulator.api.clientId,
      SAMPLE_API_SCOPE: 'tasks.read',
    });
    await printed({ child, out, exited }, '/public');
    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1];
    expect(origin).toBeDefined();
    expect(out.stdout).toContain(`audience ${emulator.api.clientId}, scope tasks.read, user flows B2C_1_susi, B2C_1_edit_profile, B2C_1_reset_password`);
    expect(out.stdout).toContain(emulator.authority(emulator.flows.signUpSignIn));

    expect((await fetch(`${origin}/public`)).status).toBe(200);
    const { access_token: token } = await apiTokens(emulator, [emulator.api.scopes[0]!]);
    const hello = await fetch(`${origin}/hello`, { headers: { authorization: `Bearer ${token}` } });
    expect(await hello.json()).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
    expect((await fetch(`${origin}/hello`)).status).toBe(401);

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).not.toContain(token.slice(-20));
  });

  it.each([
    ['SAMPLE_API_PORT', 'http'],
    ['SAMPLE_API_PORT', '70000'],
    ['SAMPLE_API_CLIENT_ID', 'two words'],
    ['SAMPLE_API_SCOPE', 'https://emulator.onmicrosoft.com/tasks-api/tasks.read'],
    ['SIGN_UP_SIGN_IN_POLICY_AUTHORITY', 'not a url'],
    ['EDIT_PROFILE_POLICY_AUTHORITY', 'https://contoso.b2clogin.com'],
    ['RESET_PASSWORD_POLICY_AUTHORITY', 'ftp://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_reset'],
  ])('%s=%j is one line on stderr naming the variable, and exit 1', async (name, value) => {
    await expectRefusedNaming(run({ [name]: value }), name);
  });
});
