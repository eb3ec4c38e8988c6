// One server of the benchmark in a process of its own, driven by bench/run.ts over IPC:
// `ceiling` (bare Koa answering a constant page) or `app` (this app, against the benchmark's
// emulator in another process). Nothing else runs in it, so its CPU time is the server's own; the
// load comes from the parent process.
import { openSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { batched, createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/session/store.ts';
import type { EmulatorReady } from './emulator.ts';
import { answerParent, tenantEnv } from './servers.ts';

export interface AppSettings {
  port: number;
  clientId: string;
  clientSecret: string;
  sessionSecret: string;
  emulator: EmulatorReady;
}

const listening = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
const close = (server: Server) => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
};

/** CPU profiles of a window the parent chooses (BENCH_PROFILE), not of start-up. */
const inspector = new Session();
const profiling = {
  async profileStart({ intervalMicros }: Record<string, unknown>) {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: Number(intervalMicros ?? 1000) });
    await inspector.post('Profiler.start');
  },
  async profileStop({ path }: Record<string, unknown>) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(String(path), JSON.stringify(profile));
    inspector.disconnect();
    return path;
  },
};

if (process.argv[2] === 'ceiling') {
  let page = '';
  const koa = new Koa();
  koa.use((ctx) => {
    ctx.type = 'html';
    ctx.body = page;
  });
  const server = createServer(koa.callback());
  await listening(server, 0, '127.0.0.1');
  answerParent({ serve: ({ html }) => void (page = String(html)) }, () => close(server));
  process.send!({ ready: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` } });
} else {
  const settings = JSON.parse(process.argv[3]!) as AppSettings;
  const { emulator } = settings;
  const origin = `http://localhost:${settings.port}`;
  // The tutorial's variables, as a team sets them for a tenant: the https authorities, trusted
  // through NODE_EXTRA_CA_CERTS (set by the parent); no emulator of the app's own.
  const config = loadConfig(tenantEnv(emulator, settings));

  const store = new MemoryStore();
  // Every request logged as in production, through the same batched writer, to /dev/null.
  const devNull = openSync('/dev/null', 'w');
  const log = createLogger('info', batched((chunk) => writeSync(devNull, chunk)));
  const app = createApp(config, { store, log });
  const server = createServer(app.app.callback());
  await listening(server, settings.port, 'localhost');
  answerParent(
    {
      ...profiling,
      // Loaded only now, after every measurement: the browser's cheerio loads the npm undici, which
      // makes itself the dispatcher of Node's own fetch, the app's calls to the provider included.
      memory: async ({ count }) => (await import('./journeys.ts')).sessionMemory(store, origin, emulator.demoUser, settings.sessionSecret, Number(count)),
      sessions: () => store.size,
    },
    async () => {
      await close(server);
      await app.close();
    },
  );
  process.send!({ ready: { url: `${origin}/` } });
}
