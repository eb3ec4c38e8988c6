// `npm start` as a developer runs it: the app with the built-in emulator, the URL and the demo
// credentials printed, a working sign-in page, and a clean exit on SIGTERM; in either provider's
// mode, and a configuration mistake refused in one line before anything starts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { EMULATOR_TENANT_ID } from '../../src/config.ts';
import { Browser } from '../support/browser.ts';
import { signIn } from '../support/idp-pages.ts';
import { freePort } from '../support/ports.ts';

/** src/main.ts in a process of its own, with only `env` (no developer's .env or variables). */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, DOTENV_PATH: '/nonexistent/.env', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // Up once the last start-up line is printed; a process that exits first fails the test.
  const up = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out.stdout += chunk;
      if (out.stdout.includes('Demo user:')) resolve();
    });
    void exited.then(() => reject(new Error(`exited early: ${out.stderr}`)));
  });
  up.catch(() => {}); // awaited by the tests that expect a start; the refusal test never awaits it
  return { child, out, exited, up };
}

/** Stops the process the way a terminal does, and expects it to exit cleanly. */
async function stop({ child, exited }: ReturnType<typeof start>) {
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
}

it('starts the app, the emulator and the sample API, prints where and how to sign in, calls the API, and stops on SIGTERM', async () => {
  const [appPort, emulatorPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const app = start({ SERVER_PORT: String(appPort), EMULATOR_PORT: String(emulatorPort), SAMPLE_API_PORT: String(apiPort) });
  const { out } = app;
  try {
    await app.up;
    expect(out.stdout).toContain(`App listening at http://localhost:${appPort}`);
    expect(out.stdout).toContain(`http://127.0.0.1:${emulatorPort}`);
    expect(out.stdout).toMatch(/Demo user: demo@example\.com \/ \S+/);
    expect(out.stderr).not.toMatch(/Unsupported runtime/);

    const home = await fetch(`http://localhost:${appPort}/`);
    expect(await home.text()).toContain('id="SignIn"');
    const signin = await fetch(`http://localhost:${appPort}/signin`, { redirect: 'manual' });
    expect(signin.headers.get('location')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${emulatorPort}/emulator\\.onmicrosoft\\.com/B2C_1_susi/oauth2/v2\\.0/authorize\\?`));
    expect(out.stdout).toContain(`Built-in sample web API at http://127.0.0.1:${apiPort}/hello`);

    // Nothing configured, and the whole thing works: "Call API" signs in, then shows the answer.
    const browser = new Browser();
    await browser.get(`http://localhost:${appPort}/api`);
    await browser.submit('#next', { signInName: 'demo@example.com', password: /Demo user: \S+ \/ (\S+)/.exec(out.stdout)![1]! });
    expect(browser.url).toBe(`http://localhost:${appPort}/api`);
    expect(JSON.parse(browser.text('#apiResponse'))).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
  } finally {
    await stop(app);
  }
});

it('IDENTITY_PROVIDER=external-id with no AUTHORITY: the built-in External ID emulator, its one authority printed, /signin sent to its authorize endpoint', async () => {
  const [appPort, emulatorPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const app = start({ IDENTITY_PROVIDER: 'external-id', SERVER_PORT: String(appPort), EMULATOR_PORT: String(emulatorPort), SAMPLE_API_PORT: String(apiPort) });
  const { out } = app;
  try {
    await app.up;
    const authority = `http://127.0.0.1:${emulatorPort}/${EMULATOR_TENANT_ID}/v2.0`;
    expect(out.stdout).toContain(`Built-in Microsoft Entra External ID emulator at ${authority} (set AUTHORITY to use a real tenant)`);
    expect(out.stdout).not.toContain('Azure AD B2C');

    const signin = await fetch(`http://localhost:${appPort}/signin`, { redirect: 'manual' });
    expect(signin.status).toBe(302);
    const authorize = new URL(signin.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`http://127.0.0.1:${emulatorPort}/${EMULATOR_TENANT_ID}/oauth2/v2.0/authorize`);
    expect(authorize.searchParams.get('scope')).toContain('api://emulator-tasks-api/tasks.read');

    // And a person signs in there: email, then password, greeted by name.
    const browser = new Browser();
    await browser.get(`http://localhost:${appPort}/signin`);
    await signIn(browser, 'external-id', { email: 'demo@example.com', password: /Demo user: \S+ \/ (\S+)/.exec(out.stdout)![1]! });
    expect(browser.url).toBe(`http://localhost:${appPort}/`);
    expect(browser.text('nav p')).toBe('Hi Demo User');
  } finally {
    await stop(app);
  }
});

it('IDENTITY_PROVIDER=external-id with a B2C user-flow variable set: one line naming it, exit 1, nothing started', async () => {
  const app = start({
    IDENTITY_PROVIDER: 'external-id',
    SERVER_PORT: String(await freePort()),
    SIGN_UP_SIGN_IN_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi',
  });
  const [code] = await app.exited;
  expect(code).toBe(1);
  expect(app.out.stdout).toBe('');
  expect(app.out.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(app.out.stderr).toMatch(/^Configuration error: SIGN_UP_SIGN_IN_POLICY_AUTHORITY is for Azure AD B2C only/);
});
