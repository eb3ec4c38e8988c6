// `npm run emulator`: smart lockout from the environment.
import { describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { expectRefusedNaming, printed, runScript } from '../support/script.ts';

const APP = { APP_CLIENT_ID: 'lockout-app', APP_REDIRECT_URI: 'http://localhost:3998/redirect' };
const run = (env: Record<string, string>) => runScript('src/emulator/main.ts', { EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1', ...APP, ...env });

describe('src/emulator/main.ts lockout settings', () => {
  it('locks by EMULATOR_LOCKOUT_THRESHOLD and says so with EMULATOR_LOCKOUT_SECONDS', async () => {
    const { child, out, exited } = run({ EMULATOR_LOCKOUT_THRESHOLD: '2', EMULATOR_LOCKOUT_SECONDS: ' 120 ' });
    await printed({ child, out, exited }, 'demo user');
    expect(out.stdout).toContain('smart lockout:    after 2 wrong passwords in a row, 120 s at first');

    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)![1]!;
    const authorize = new URL(`${origin}/emulator.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/authorize`);
    authorize.search = new URLSearchParams({
      client_id: APP.APP_CLIENT_ID, redirect_uri: APP.APP_REDIRECT_URI, response_type: 'code', scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const browser = new Browser({ stopAt: (url) => url.origin === 'http://localhost:3998' });
    await browser.get(authorize);
    const messages: string[] = [];
    for (const password of ['Wrong-one-1', 'Wrong-two-2', 'Passw0rd!']) {
      await browser.submit('#next', { signInName: 'demo@example.com', password });
      messages.push(browser.text('#pageLevelError'));
    }
    expect(messages).toEqual([
      'Invalid username or password.',
      'Your account is temporarily locked to prevent unauthorized use. Try again later.',
      'Your account is temporarily locked to prevent unauthorized use. Try again later.',
    ]);

    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(out.stderr).toBe('');
  });

  it.each([
    ['EMULATOR_LOCKOUT_THRESHOLD', '0'],
    ['EMULATOR_LOCKOUT_THRESHOLD', 'ten'],
    ['EMULATOR_LOCKOUT_THRESHOLD', '2.5'],
    ['EMULATOR_LOCKOUT_THRESHOLD', '1001'],
    ['EMULATOR_LOCKOUT_SECONDS', '0'],
    ['EMULATOR_LOCKOUT_SECONDS', '-5'],
    ['EMULATOR_LOCKOUT_SECONDS', '18001'],
  ])('%s=%j is one line on stderr naming the variable, and exit 1', async (name, value) => {
    await expectRefusedNaming(run({ [name]: value }), name);
  });
});
