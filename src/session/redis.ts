// One ioredis connection for the process, set to fail fast: while Redis is away a request gets a
// 503 page at once instead of waiting in ioredis' offline queue, and reconnection goes on in the
// background, so the app recovers by itself when Redis is back.
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

/** Redis could not be used: the person is asked to try again (a page, like any Problem). */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
  readonly status = 503;
  readonly title = 'We cannot reach your session just now';
  readonly detail = 'Our session storage is not answering. Nothing was changed: please try again in a moment.';
}

const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 2000,
  // Keep trying to reconnect, backing off to one attempt every 2 s.
  retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
};

export function connectRedis({ url, options }: RedisConfig, onError: (error: Error) => void): RedisClient {
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

/** Runs a Redis command; any failure of Redis itself becomes StoreUnavailable. */
export async function attempt<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw new StoreUnavailable(`session store: ${(error as Error).message}`, { cause: error });
  }
}
