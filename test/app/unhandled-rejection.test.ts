// The unhandled-rejection handler, proven wired in the process `npm start` runs: a promise nobody
// awaits is rejected inside that process (a preload, test/support/reject-on-signal.ts, on SIGUSR2),
// and the app logs one error record and keeps serving. Without a handler the same rejection ends a
// Node process, as the first test shows.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRELOAD = './test/support/reject-on-signal.ts';
const MESSAGE = 'a promise nobody awaited (reject-on-signal)';

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DOTENV_PATH: '/nonexistent/.env', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (out.stdout += chunk));
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  /** Settles once stdout shows `pattern`; fails if the process exits first. */
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => pattern.test(out.stdout) && resolve();
      child.stdout.on('data', check);
      child.on('exit', () => reject(new Error(`exited before printing ${pattern}: ${out.stderr}`)));
      check();
    });
  return { child, out, exited, printed };
}

it('the trigger: without a handler, the rejection ends the process (exit code 1)', async () => {
  const { child, out, exited, printed } = run(['--input-type=module', '-e', "console.log('ready'); setInterval(() => {}, 1000);"]);
  try {
    await printed(/ready/);
    child.kill('SIGUSR2');
    const [code] = await exited;
    expect(code).toBe(1);
    expect(out.stderr).toContain(MESSAGE);
  } finally {
    child.kill('SIGKILL');
  }
});

it('src/main.ts logs one error record for it and keeps serving', async () => {
  const [appPort, emulatorPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const app = `http://localhost:${appPort}`;
  const { child, out, exited, printed } = run(['src/main.ts'], { SERVER_PORT: String(appPort), EMULATOR_PORT: String(emulatorPort), SAMPLE_API_PORT: String(apiPort) });
  try {
    await printed(/Demo user:/);
    expect((await fetch(app)).status).toBe(200);

    child.kill('SIGUSR2');
    await printed(/"msg":"unhandled rejection"/);
    const home = await fetch(app);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('id="SignIn"');
    expect((await fetch(`${app}/healthz`)).status).toBe(200);
    expect(child.exitCode).toBeNull();
  } finally {
    child.kill('SIGTERM');
  }
  const [code, signal] = await exited;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  const records = out.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  expect(records.filter((r) => r.msg === 'unhandled rejection')).toEqual([expect.objectContaining({ level: 'error', msg: 'unhandled rejection', error: 'Error' })]);
  expect(records.filter((r) => r.level === 'error')).toHaveLength(1);
  // Its name only: a rejection's message may carry anything.
  expect(out.stdout).not.toContain(MESSAGE);
  expect(out.stderr).toBe('');
});
