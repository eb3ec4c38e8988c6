// `npm start` as a developer runs it: the app with the built-in emulator, the URL and the demo
// credentials printed, a working sign-in page, and a clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';


it('starts the app, the emulator and the sample API, prints where and how to sign in, calls the API, and stops on SIGTERM', async () => {
  const [appPort, emulatorPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, SERVER_PORT: String(appPort), EMULATOR_PORT: String(emulatorPort), SAMPLE_API_PORT: String(apiPort), DOTENV_PATH: '/nonexistent/.env' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Demo user:')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    expect(stdout).toContain(`App listening at http://localhost:${appPort}`);
    expect(stdout).toContain(`http://127.0.0.1:${emulatorPort}`);
    expect(stdout).toMatch(/Demo user: demo@example\.com \/ \S+/);
    expect(stderr).not.toMatch(/Unsupported runtime/);

    const home = await fetch(`http://localhost:${appPort}/`);
    expect(await home.text()).toContain('id="SignIn"');
    const signin = await fetch(`http://localhost:${appPort}/signin`, { redirect: 'manual' });
    expect(signin.headers.get('location')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${emulatorPort}/emulator\\.onmicrosoft\\.com/B2C_1_susi/oauth2/v2\\.0/authorize\\?`));
    expect(stdout).toContain(`Built-in sample web API at http://127.0.0.1:${apiPort}/hello`);

    // Nothing configured, and the whole thing works: "Call API" signs in, then shows the answer.
    const browser = new Browser();
    await browser.get(`http://localhost:${appPort}/api`);
    await browser.submit('#next', { signInName: 'demo@example.com', password: /Demo user: \S+ \/ (\S+)/.exec(stdout)![1]! });
    expect(browser.url).toBe(`http://localhost:${appPort}/api`);
    expect(JSON.parse(browser.text('#apiResponse'))).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
  } finally {
    child.kill('SIGTERM');
  }
  const [code, signal] = await exited;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
});
