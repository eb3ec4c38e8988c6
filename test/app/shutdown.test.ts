// Stopping the app as an orchestrator does (SIGTERM): a person whose request is under way when the
// signal comes still gets their whole answer, nobody new gets in, and the process exits 0 by itself.
// The request is held in flight the way a person could really meet it: they click "Sign in" while
// B2C is slow to serve its metadata (a server here that answers when the test says so).
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';


/** B2C's metadata, served only when release() is called; `asked` settles when the first request comes. */
async function slowMetadata() {
  const held: { url: string; res: ServerResponse }[] = [];
  let arrived!: () => void;
  const asked = new Promise<void>((resolve) => (arrived = resolve));
  let released = false;
  const server = createServer((req, res) => {
    if (released) return answer({ url: req.url!, res });
    held.push({ url: req.url!, res });
    arrived();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const answer = ({ url, res }: (typeof held)[number]) => {
    const authority = `${origin}${url.replace(/\/v2\.0\/\.well-known\/openid-configuration$/, '')}`;
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify({
        issuer: `${origin}/00000000-0000-0000-0000-000000000000/v2.0/`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    );
  };
  return {
    authority: (flow: string) => `${origin}/slow.onmicrosoft.com/${flow}`,
    asked,
    release() {
      released = true;
      held.splice(0).forEach(answer);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** main.ts against the slow B2C above, with a /signin held in flight (waiting on B2C's metadata). */
async function startWithRequestInFlight() {
  const b2c = await slowMetadata();
  const appPort = await freePort();
  const app = `http://127.0.0.1:${appPort}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      DOTENV_PATH: '/nonexistent/.env',
      SERVER_PORT: String(appPort),
      APP_CLIENT_ID: 'shutdown-test',
      APP_CLIENT_SECRET: 'shutdown-test-secret',
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: b2c.authority('B2C_1_susi'),
      EDIT_PROFILE_POLICY_AUTHORITY: b2c.authority('B2C_1_edit'),
      RESET_PASSWORD_POLICY_AUTHORITY: b2c.authority('B2C_1_reset'),
      // Longer than any test run: only release() ends the wait.
      IDP_TIMEOUT_MS: '120000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  /** Settles when stdout has shown a line matching `pattern`. */
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => pattern.test(out.stdout) && resolve();
      child.stdout.on('data', check);
      child.on('exit', () => reject(new Error(`exited before printing ${pattern}: ${out.stderr}`)));
      check();
    });
  child.stdout.on('data', (chunk) => (out.stdout += chunk));
  const stop = async () => {
    child.kill('SIGTERM');
    b2c.release();
    await b2c.close();
  };
  try {
    await printed(/App listening at/);
  } catch (error) {
    await stop();
    throw error;
  }
  const inFlight = fetch(`${app}/signin`, { redirect: 'manual' });
  inFlight.catch(() => {}); // cut off in one of the tests
  await b2c.asked; // the request is now waiting on B2C
  const records = () => out.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  return { app, b2c, child, out, exited, printed, inFlight, records, stop };
}

it('on SIGTERM finishes the request in flight, refuses new connections, and exits 0', async () => {
  const { app, b2c, child, out, exited, printed, inFlight, records, stop } = await startWithRequestInFlight();
  try {
    child.kill('SIGTERM');
    // The app says it is stopping once it has stopped listening.
    await printed(/"msg":"stopping: finishing requests in flight"/);
    const refused = await fetch(`${app}/`).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    b2c.release();
    const answer = await inFlight;
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toMatch(new RegExp(`^${b2c.authority('B2C_1_susi')}/oauth2/v2\\.0/authorize\\?`));
  } finally {
    await stop();
  }
  const [code, signal] = await exited;
  expect({ code, signal, stderr: out.stderr }).toEqual({ code: 0, signal: null, stderr: '' });

  // The log says so, in order: the request answered after the stop began, then the stop completed.
  expect(records().map((r) => r.msg)).toEqual(['stopping: finishing requests in flight', 'request', 'stopped']);
  expect(records()[1]).toMatchObject({ route: '/signin', status: 302, transition: { event: 'SIGN_IN', to: 'userFlow.authorizing.awaitingCallback' } });
});

it('a second Ctrl-C stops at once, without waiting for the request in flight', async () => {
  const { child, exited, printed, inFlight, records, stop } = await startWithRequestInFlight();
  try {
    child.kill('SIGINT');
    await printed(/"msg":"stopping: finishing requests in flight"/);
    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    expect(await inFlight.then(() => 'answered', () => 'cut off')).toBe('cut off');
    expect(records().map((r) => r.msg)).toEqual(['stopping: finishing requests in flight', 'stopped at once: requests in flight were cut off']);
  } finally {
    await stop();
  }
});
