// The app under the flood (bench/flood.ts), alone in a process of its own so that its resident
// memory is the app's and nothing else's. Run with --expose-gc, the emulator's CA in
// NODE_EXTRA_CA_CERTS, its settings (FloodAppSettings) as argv[2]. Answers `measure` over IPC
// (bench/servers.ts' protocol) and stops when its parent disconnects.
import { openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { batched, createLogger } from '../src/log.ts';
import type { EmulatorReady } from './emulator.ts';
import { answerParent, tenantEnv } from './servers.ts';

export interface FloodAppSettings {
  port: number;
  clientId: string;
  clientSecret: string;
  emulator: EmulatorReady;
  /** SESSION_STORE; the memory store when absent. */
  store?: string;
}

export interface Memory {
  rss: number;
  heapUsed: number;
  /** The highest RSS since the process began: what the floods took at their height. */
  peakRss: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('bench/flood-app.ts must run with node --expose-gc');

const { port, clientId, clientSecret, emulator, store } = JSON.parse(process.argv[2]!) as FloodAppSettings;
const origin = `http://localhost:${port}`;
// The tutorial's variables for a tenant (here the emulator's https authorities), as bench/server.ts
// sets them; NODE_ENV is not production, so none of its requirements apply.
const config = loadConfig({
  ...tenantEnv(emulator, { port, clientId, clientSecret, sessionSecret: 'flood-session-secret-flood-session-secret' }),
  ...(store ? { SESSION_STORE: store } : {}),
});
// Every request logged as in production, through the same batched writer, to /dev/null.
const devNull = openSync('/dev/null', 'w');
const log = createLogger('info', batched((chunk) => writeSync(devNull, chunk)));
const app = createApp(config, { log });
const server = createServer(app.app.callback());
await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, 'localhost', resolve));

answerParent(
  {
    async measure(): Promise<Memory> {
      // Several passes, with turns of the event loop between them, so that finalizers and weak
      // references (sockets just closed, timers) let go of what they hold before the figure.
      for (let i = 0; i < 4; i++) {
        gc!();
        await sleep(50);
      }
      const { rss, heapUsed } = process.memoryUsage();
      return { rss, heapUsed, peakRss: process.resourceUsage().maxRSS * 1024 };
    },
  },
  async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  },
);
process.send!({ ready: { origin } });
