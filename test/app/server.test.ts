// The HTTP server as main.ts runs it (src/http/server.ts): what Node's parser answers before Koa
// sees a request carries the pages' headers and echoes nothing, and the app is reachable only from
// this machine outside production unless HOST says otherwise.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/log.ts';
import { freePort } from '../support/ports.ts';

const PAGE_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'cache-control'];

/** The app with the built-in emulator's configuration (not started: nothing here reaches it). */
async function serve(env: Record<string, string> = {}) {
  const config = loadConfig({ SERVER_PORT: '0', ...env });
  const { app, close } = createApp(config, { log: createLogger('silent') });
  const server = listen(app, config);
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  return {
    address,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
    },
  };
}

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Bytes written as they are, and everything the server sends back until it closes. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}

/** The addresses a listening TCP socket on `port` is bound to, read from the kernel's own tables
 *  (Linux): no test connects to any address but loopback. */
async function boundTo(port: number): Promise<string[]> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const table = await readFile(file, 'utf8').catch(() => '');
    for (const line of table.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, hex] = local?.split(':') ?? [];
      if (state !== '0A' || hex !== hexPort || !address) continue; // 0A: LISTEN
      if (/^0+$/.test(address)) found.push(address.length === 8 ? '0.0.0.0' : '::');
      else if (address.length === 8) found.push((address.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.'));
      else found.push(address === '00000000000000000000000001000000' ? '::1' : `ipv6:${address}`);
    }
  }
  return found.sort();
}

describe("Node's own refusals", () => {
  let app: Awaited<ReturnType<typeof serve>>;
  let origin: string;
  beforeAll(async () => {
    app = await serve();
    origin = `http://127.0.0.1:${app.port}`;
  });
  afterAll(() => app.close());

  it('a ~40 KB header gets 431 with nosniff and every header a page carries, and nothing of the request', async () => {
    const page = await fetch(origin);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/object-src 'none'.*base-uri 'none'/);
    const response = await fetch(origin, { headers: { 'x-padding': `<b>probe</b>${'a'.repeat(40_000)}` } });
    expect(response.status).toBe(431);
    for (const header of PAGE_HEADERS) expect(response.headers.get(header), header).toBe(page.headers.get(header));
    expect(await response.text()).toBe('Request Header Fields Too Large\n');
    expect((await fetch(origin)).status).toBe(200); // and the server keeps serving
  });

  it('a request Node cannot parse gets 400 with the same headers, and nothing of the request', async () => {
    const answer = await raw(app.port, 'GET /<img/src/onerror=probe1()> HTTP/1.1\r\nHost: x\r\nBad Header <b>probe2</b>\r\n\r\n');
    const [head = '', body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
    expect(head).toMatch(/\r\nContent-Security-Policy: default-src 'self'; /);
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/);
    expect(body).toBe('Bad Request\n');
    expect(answer).not.toMatch(/probe|<img|<b>|Bad Header/);
  });

  it('with an https public origin, the refusal carries HSTS too', async () => {
    const https = await serve({ APP_REDIRECT_URI: 'https://app.localhost/redirect' });
    try {
      const response = await fetch(`http://127.0.0.1:${https.port}/`, { headers: { 'x-padding': 'a'.repeat(40_000) } });
      expect(response.status).toBe(431);
      expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      await https.close();
    }
  });
});

describe('where the app listens', () => {
  it('HOST is honoured: 0.0.0.0 listens on every IPv4 address of this machine', async () => {
    const app = await serve({ HOST: '0.0.0.0' });
    try {
      expect(app.address).toBe('0.0.0.0');
      expect(await boundTo(app.port)).toEqual(['0.0.0.0']);
      expect(await connects('127.0.0.1', app.port)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('HOST=[::1]: IPv6 loopback only, IPv4 refused', async ({ skip }) => {
    let app: Awaited<ReturnType<typeof serve>>;
    try {
      app = await serve({ HOST: '[::1]' });
    } catch {
      return skip('no IPv6 loopback on this machine');
    }
    try {
      expect(app.address).toBe('::1');
      expect(await connects('::1', app.port)).toBe(true);
      expect(await connects('127.0.0.1', app.port)).toBe(false);
    } finally {
      await app.close();
    }
  });
});

/** src/main.ts in a process of its own, as `npm start` runs it; resolves once it prints `until`. */
async function start(env: Record<string, string>, until: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, DOTENV_PATH: '/nonexistent/.env', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out.stdout += chunk;
      if (out.stdout.includes(until)) resolve();
    });
    child.on('exit', () => reject(new Error(`exited early: ${out.stderr}`)));
  });
  return {
    out,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    exited,
  };
}

describe('npm start', () => {
  it('outside production listens on 127.0.0.1 only: the printed localhost URL works, the socket is bound to loopback alone, and 431 carries nosniff', async () => {
    const port = await freePort();
    const app = await start({ SERVER_PORT: String(port), EMULATOR_PORT: String(await freePort()), SAMPLE_API_PORT: String(await freePort()) }, 'Demo user:');
    try {
      expect(app.out.stdout).toContain(`App listening at http://localhost:${port}`);
      expect((await fetch(`http://localhost:${port}/`)).status).toBe(200);
      expect(await connects('127.0.0.1', port)).toBe(true);
      expect(await boundTo(port)).toEqual(['127.0.0.1']); // no other address of this machine answers
      expect(await connects('::1', port)).toBe(false);

      const refused = await fetch(`http://localhost:${port}/`, { headers: { 'x-padding': 'a'.repeat(40_000) } });
      expect(refused.status).toBe(431);
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      expect(await app.stop()).toEqual([0, null]);
    }
  });

  it('in production listens on every interface, as before', async () => {
    const port = await freePort();
    const dead = 'https://127.0.0.1:9/contoso.onmicrosoft.com';
    const app = await start(
      {
        NODE_ENV: 'production',
        SERVER_PORT: String(port),
        LOG_LEVEL: 'silent',
        APP_CLIENT_ID: 'id',
        APP_CLIENT_SECRET: 'secret',
        SESSION_SECRET: 'x'.repeat(40),
        SIGN_UP_SIGN_IN_POLICY_AUTHORITY: `${dead}/B2C_1_susi`,
        EDIT_PROFILE_POLICY_AUTHORITY: `${dead}/B2C_1_edit`,
        RESET_PASSWORD_POLICY_AUTHORITY: `${dead}/B2C_1_reset`,
        APP_REDIRECT_URI: 'https://app.example/redirect',
      },
      'App listening at https://app.example',
    );
    try {
      expect(await connects('127.0.0.1', port)).toBe(true);
      expect(await boundTo(port)).toEqual(['::']); // every address, IPv4 and IPv6, as Node's default
    } finally {
      expect(await app.stop()).toEqual([0, null]);
    }
  });

  it('a bad HOST stops start-up with one line naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, DOTENV_PATH: '/nonexistent/.env', HOST: 'http://0.0.0.0:3000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Configuration error: HOST must be an IP address or a host name to listen on, such as 127.0.0.1, ::1 or 0.0.0.0 (got "http://0.0.0.0:3000")');
  });
});
