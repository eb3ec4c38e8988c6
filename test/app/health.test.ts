// What a load balancer sees: /healthz while the process lives, /readyz only while B2C's metadata and
// the session store answer, a 503 naming what is missing otherwise (within the IdP timeout), and
// neither probe makes a session, sets a cookie or fills the log.
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/session/store.ts';
import { skipRedis, startRedis } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** A session store that refuses, or never answers (a hung Redis, which a real one is not easily made into). */
class UnreachableStore extends MemoryStore {
  constructor(private readonly failure: 'refused' | 'silent') {
    super();
  }
  override ping(): Promise<void> {
    const refused = Object.assign(new Error('connect ECONNREFUSED redis://app:hunter2@127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    return this.failure === 'refused' ? Promise.reject(refused) : new Promise(() => {});
  }
}

async function probe(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: await response.text(), cookies: response.headers.getSetCookie(), type: response.headers.get('content-type') };
}

const warnings = (stack: Stack) => stack.logs.map((line) => JSON.parse(line)).filter((r) => r.level !== 'info');

describe('with the emulator and the store up', () => {
  let stack: Stack;
  let store: MemoryStore;
  beforeAll(async () => {
    stack = await startStack({ IDP_TIMEOUT_MS: '1000' }, () => ({ store: (store = new MemoryStore()) }));
  });
  afterAll(() => stack.close());

  it('/healthz: 200 and a tiny body, no cookie, no session, no log line', async () => {
    expect(await probe(`${stack.appOrigin}/healthz`)).toEqual({ status: 200, body: 'ok\n', cookies: [], type: 'text/plain; charset=utf-8' });
    expect(store.size).toBe(0);
    expect(stack.logs).toEqual([]);
  });

  it('/readyz: 200 while B2C and the store answer, no cookie, no log line', async () => {
    expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 200, body: 'ready\n', cookies: [] });
    expect(store.size).toBe(0);
    expect(stack.logs).toEqual([]);
  });

  it('/healthz and /readyz carry the headers every page carries: nosniff, CSP, no framing, no referrer', async () => {
    const page = await fetch(stack.appOrigin);
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`${stack.appOrigin}${path}`);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      for (const header of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'cache-control']) {
        expect(response.headers.get(header), `${path} ${header}`).toBe(page.headers.get(header));
      }
    }
  });

  it('/readyz: 503 naming the identity provider while it is down, a warning logged, 200 once it is back', async () => {
    await stack.emulator.close();
    expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 503, body: 'not ready: identity provider\n', cookies: [] });
    // Alive all the same: an orchestrator must not restart the app for B2C's outage.
    expect((await probe(`${stack.appOrigin}/healthz`)).status).toBe(200);
    expect(warnings(stack)).toMatchObject([{ level: 'warn', msg: 'not ready', failed: [{ dependency: 'identity provider' }] }]);

    await stack.restartEmulator();
    expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 200, body: 'ready\n' });
  });
});

describe('when a dependency does not answer', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let origin: string;
  beforeAll(async () => {
    // Accepts connections and never says a word: the worst kind of outage.
    silent = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    origin = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => silent.close(resolve));
  });

  it('/readyz gives up within the IdP timeout when the metadata endpoint hangs: 503', async () => {
    const authority = (flow: string) => `${origin}/hung.onmicrosoft.com/${flow}`;
    const stack = await startStack({
      IDP_TIMEOUT_MS: '200',
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: authority('B2C_1_susi'),
      EDIT_PROFILE_POLICY_AUTHORITY: authority('B2C_1_edit'),
      RESET_PASSWORD_POLICY_AUTHORITY: authority('B2C_1_reset'),
      AUTHORITY_DOMAIN: origin,
      LOGOUT_ENDPOINT: `${authority('B2C_1_susi')}/oauth2/v2.0/logout`,
    });
    try {
      expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 503, body: 'not ready: identity provider\n' });
      expect(warnings(stack)).toMatchObject([{ failed: [{ dependency: 'identity provider', detail: expect.stringContaining('no answer within 200 ms') }] }]);
    } finally {
      await stack.close();
    }
  });

  it.each(['refused', 'silent'] as const)('/readyz: 503 naming the session store when it is %s, and both when B2C is down too', async (failure) => {
    const stack = await startStack({ IDP_TIMEOUT_MS: '200' }, () => ({ store: new UnreachableStore(failure) }));
    try {
      expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 503, body: 'not ready: session store\n' });
      await stack.emulator.close();
      expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 503, body: 'not ready: identity provider, session store\n' });
      expect(warnings(stack).map((r) => r.failed.map((f: { dependency: string }) => f.dependency))).toEqual([['session store'], ['identity provider', 'session store']]);
      expect(stack.logs.join('\n')).not.toContain('hunter2'); // a password in a store's error message
    } finally {
      await stack.close();
    }
  });
});

describe.skipIf(skipRedis)('with sessions in a real Redis', () => {
  it('/readyz: 200 while Redis runs, 503 naming the session store once it is stopped; /healthz stays 200', async () => {
    const redis = await startRedis();
    const stack = await startStack({ SESSION_STORE: redis.url, IDP_TIMEOUT_MS: '1000' });
    try {
      expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 200, body: 'ready\n', cookies: [] });
      await redis.stop();
      expect(await probe(`${stack.appOrigin}/readyz`)).toMatchObject({ status: 503, body: 'not ready: session store\n', cookies: [] });
      expect((await probe(`${stack.appOrigin}/healthz`)).status).toBe(200);
      expect(warnings(stack).filter((r) => r.msg === 'not ready')).toMatchObject([{ failed: [{ dependency: 'session store' }] }]);
    } finally {
      await stack.close();
      await redis.close();
    }
  });
});
