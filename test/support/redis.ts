// A real Redis server from Debian's redis-server, on a free loopback port, its data in a temp dir
// (append-only file, so that a stop and start keeps what it held, as a real deployment's would).
// A developer without it gets one line and skipped suites; CI (any truthy CI, see isCI) must run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { skipWithout } from './skip.ts';

/** Overridable, as CHROMIUM_PATH is, so the skip/fail rule can be tried without uninstalling anything. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export const skipRedis = skipWithout(REDIS_SERVER, 'Redis suites', 'apt-get install redis-server');

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server as an outage would (SIGTERM: it writes its data and exits). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisOptions {
  /** More command-line options (e.g. cluster mode). */
  args?: string[];
  /** Run as a Sentinel with this configuration (written to its directory). */
  sentinel?: string;
}

export async function startRedis({ args = [], sentinel }: RedisOptions = {}): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} not found: on CI the Redis suites must run (apt-get install -y redis-server)`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'b2c-redis-'));
  let child: ChildProcess | null = null;
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'];
  let argv = [...common, '--save', '', '--appendonly', 'yes', ...args];
  if (sentinel !== undefined) {
    writeFileSync(join(dir, 'sentinel.conf'), sentinel);
    argv = [join(dir, 'sentinel.conf'), '--sentinel', ...common, ...args];
  }

  async function start() {
    const server = spawn(REDIS_SERVER, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = server;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk;
        if (/Ready to accept connections|Sentinel ID is/.test(output)) resolve();
      };
      server.stdout!.on('data', read);
      server.stderr!.on('data', read);
      server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
  }

  async function stop() {
    const server = child;
    child = null;
    if (!server || server.exitCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
