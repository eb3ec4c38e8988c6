// startSampleApi: the sample API on its own HTTP server, with its fault switches.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createSampleApi } from './app.ts';
import { Faults, type SampleApiFaults } from './faults.ts';
import type { SampleApiOptions } from './options.ts';

export interface StartSampleApiOptions extends SampleApiOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3002; 0 for any free port. */
  port?: number;
}

export interface SampleApi {
  /** e.g. `http://127.0.0.1:3002`; the protected route is `${origin}/hello`. */
  origin: string;
  /** Test-only; see faults.ts. */
  faults: SampleApiFaults;
  /** Stops listening, releases requests held by the hang fault, drops open connections. */
  close(): Promise<void>;
}

export async function startSampleApi(options: StartSampleApiOptions): Promise<SampleApi> {
  const { host = '127.0.0.1', port = 3002, ...apiOptions } = options;
  let release = (): void => {};
  const closed = new Promise<void>((resolve) => { release = resolve; });
  const faults = new Faults();
  const app = createSampleApi(apiOptions, { faults, closed });

  const server = createServer(app.callback());
  const bound = await listen(server, host, port);
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    faults,
    close: () => stop(server, release),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stop(server: Server, release: () => void): Promise<void> {
  release();
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
