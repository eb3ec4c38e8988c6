// One ioredis connection for the process, set to fail fast: while Redis is away a request gets a
// 503 page at once instead of waiting in ioredis' offline queue, and reconnection goes on in the
// background, so the app recovers by itself when Redis is back.
import { createHash } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisConfig {
  /** redis:// or rediss:// URL (credentials, database, TLS). */
  url: string;
  /** ioredis options as given in SESSION_STORE_OPTIONS: `sentinels` + `name` for Sentinel,
   *  `cluster: [{host, port}, ...]` for Cluster; anything else is passed to ioredis as it is. */
  options: Record<string, unknown>;
}

/** A Redis key for `id` under `prefix`: its SHA-256, so that a reader of Redis learns no session id
 *  (no cookie can be rebuilt) and no account id. */
export const hashedKey = (prefix: string, id: string) => prefix + createHash('sha256').update(id).digest('base64url');

/** Redis could not be used: the person is asked to try again (a page, like any Problem). */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
  readonly status = 503;
  readonly title = 'We cannot reach your session just now';
  readonly detail = 'Our session storage is not answering. Nothing was changed: please try again in a moment.';
}

const FAIL_FAST = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 2000,
  // Keep trying to reconnect, backing off to one attempt every 2 s.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
} satisfies RedisOptions;

/** The connection and the one way to use it: a command fails at once with StoreUnavailable while
 *  Redis is away, except in the first moments after start, when it waits for the first connection
 *  (at most the connect timeout) rather than turn the first visitors away. */
export class RedisConnection {
  readonly client: RedisClient;
  private readonly firstReady: Promise<void>;

  constructor(config: RedisConfig, onError: (error: Error) => void) {
    this.client = connect(config, onError);
    this.firstReady = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FAIL_FAST.connectTimeout).unref();
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') await this.firstReady;
    try {
      return await command(this.client);
    } catch (error) {
      throw new StoreUnavailable(`session store: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

function connect({ url, options }: RedisConfig, onError: (error: Error) => void): RedisClient {
  const { cluster, ...rest } = options;
  let client: RedisClient;
  if (Array.isArray(cluster)) {
    // Credentials and TLS from the URL apply to every node of the cluster.
    const fromUrl = new URL(url);
    const redisOptions: RedisOptions = {
      ...FAIL_FAST,
      ...(fromUrl.username ? { username: decodeURIComponent(fromUrl.username) } : {}),
      ...(fromUrl.password ? { password: decodeURIComponent(fromUrl.password) } : {}),
      ...(fromUrl.protocol === 'rediss:' ? { tls: {} } : {}),
      ...(rest.redisOptions as RedisOptions | undefined),
    };
    client = new Cluster(cluster as ClusterNode[], { enableOfflineQueue: false, ...rest, redisOptions });
  } else {
    client = new Redis(url, { ...FAIL_FAST, ...(rest as RedisOptions) });
  }
  // Without a listener ioredis prints every failed reconnection; the message names no secret.
  client.on('error', onError);
  return client;
}
