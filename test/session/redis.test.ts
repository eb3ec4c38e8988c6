// Sessions and MSAL's token caches in a real Redis (Debian's redis-server): what an operator, or
// someone who can read Redis, would find there.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sealer } from '../../src/session/sealer.ts';
import { RedisConnection, hashedKey } from '../../src/session/redis.ts';
import { RedisStore } from '../../src/session/redis-store.ts';
import { SESSION_ENDED, StaleSession } from '../../src/session/store.ts';
import { Browser } from '../support/browser.ts';
import { skipRedis, startRedis, type RedisServer } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';

const SECRET = 'test-session-secret-test-session-secret';

describe.skipIf(skipRedis)('state in Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    stack = await startStack({ SESSION_STORE: redis.url, SESSION_SECRET: SECRET });
  });
  afterAll(async () => {
    await stack?.close();
    client?.disconnect();
    await redis?.close();
  });

  const keys = async (kind: 'session' | 'msal') => (await client.keys(`b2c:${kind}:*`)).sort();
  /** Session keys holding a session (not the tombstone of an ended one). */
  const live = async () => (await Promise.all((await keys('session')).map(async (key) => ((await client.get(key)) === 'ended' ? [] : [key])))).flat();
  /** A session value without its version: the sealed session. */
  const sealedOf = (raw: string) => raw.replace(/^\d+(!\d+)?:/, '');

  async function signUp(givenName: string) {
    const browser = new Browser();
    const email = `${givenName.toLowerCase()}.${Date.now()}@example.com`;
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.click('#createAccount');
    await browser.submit('#continue', { email, newPassword: 'Secret123', reenterPassword: 'Secret123', givenName, surname: 'Tester' });
    expect(browser.text()).toContain(`Hi ${givenName}`);
    return { browser, email };
  }

  it('keeps a session sealed, under a key that is not its cookie, expiring after the idle timeout', async () => {
    const before = await live();
    const { browser, email } = await signUp('Sealed');
    const added = (await live()).filter((key) => !before.includes(key));
    expect(added).toHaveLength(1);
    const cookie = browser.jar.all().find((c) => c.name === 'b2c.sid')!.value;
    expect(added[0]).not.toContain(cookie);

    const raw = (await client.get(added[0]!))!;
    for (const secret of ['Sealed', email, 'signedIn', 'accountId']) expect(raw).not.toContain(secret);
    expect(raw).toMatch(/^\d+:v1\./); // the version, for compare-and-set, then the sealed session
    expect(JSON.parse(new Sealer([SECRET]).open(sealedOf(raw), added[0]!)!).machine.context.user.givenName).toBe('Sealed');
    const ttl = await client.pttl(added[0]!);
    expect(ttl).toBeGreaterThan(0);
    // koa-session gives its store 10 s more than the cookie's own life.
    expect(ttl).toBeLessThanOrEqual(stack.config.sessionIdleMs + 10_000);
  });

  it('keeps each person’s token cache apart and sealed; sign-out deletes that person’s entry only', async () => {
    const before = await keys('msal');
    const ada = await signUp('Ada');
    const bob = await signUp('Bob');
    const added = (await keys('msal')).filter((key) => !before.includes(key));
    expect(added).toHaveLength(2);

    const sealer = new Sealer([SECRET]);
    const caches = await Promise.all(added.map(async (key) => ({ key, raw: (await client.get(key))! })));
    const holders = caches.map(({ key, raw }) => {
      expect(raw).not.toMatch(/refresh|secret|@example\.com/i);
      const cache = JSON.parse(sealer.open(raw, key)!);
      expect(Object.keys(cache.Account)).toHaveLength(1);
      expect(Object.keys(cache.RefreshToken).length).toBeGreaterThan(0);
      const text = JSON.stringify(cache);
      return text.includes(ada.email) && !text.includes(bob.email) ? 'ada' : text.includes(bob.email) && !text.includes(ada.email) ? 'bob' : 'mixed';
    });
    expect(holders.sort()).toEqual(['ada', 'bob']);

    await ada.browser.click('a[href="/signout"]');
    const left = (await keys('msal')).filter((key) => !before.includes(key));
    expect(left).toHaveLength(1);
    expect(new Sealer([SECRET]).open((await client.get(left[0]!))!, left[0]!)).toContain(bob.email);
    await bob.browser.get(stack.appOrigin);
    expect(bob.browser.text()).toContain('Hi Bob');
  });

  it('rotation: instances given a new secret and the old one keep everyone signed in, and reseal', async () => {
    const { browser } = await signUp('Rotated');
    const { browser: idle } = await signUp('Idle');
    const sealedWith = async () => {
      const all = await Promise.all((await live()).map(async (key) => (await client.get(key))!));
      return new Set(all.map((raw) => sealedOf(raw).split('.')[1]));
    };
    expect((await sealedWith()).size).toBe(1);

    const NEW = 'the-new-session-secret-after-rotation-42';
    const rotated = await startStack({ SESSION_STORE: redis.url, SESSION_SECRET: NEW, PREVIOUS_SESSION_SECRETS: SECRET });
    try {
      await browser.get(rotated.appOrigin); // the same host, so the same cookie (cookies ignore ports)
      expect(browser.text()).toContain('Hi Rotated');
      // This session is sealed anew; the others will be at their next request.
      expect((await sealedWith()).size).toBe(2);
    } finally {
      await rotated.close();
    }

    // The old secret retired: the resealed session still opens; one never resealed is simply over.
    const retired = await startStack({ SESSION_STORE: redis.url, SESSION_SECRET: NEW });
    try {
      await browser.get(retired.appOrigin);
      expect(browser.text()).toContain('Hi Rotated');
      await idle.get(retired.appOrigin);
      expect(idle.status).toBe(200);
      expect(idle.$('#SignIn').length).toBe(1);
    } finally {
      await retired.close();
    }
  });

  it('an entry moved to another session’s key in Redis opens nowhere: that cookie is simply signed out', async () => {
    const { browser: ada } = await signUp('Moved');
    const { browser: bob } = await signUp('Target');
    const keyOf = (browser: Browser) => hashedKey('b2c:session:', browser.jar.all().find((c) => c.name === 'b2c.sid')!.value);
    // Someone who can write Redis copies Ada's sealed session over Bob's.
    await client.set(keyOf(bob), (await client.get(keyOf(ada)))!, 'PX', 60_000);
    await bob.get(stack.appOrigin);
    expect(bob.status).toBe(200);
    expect(bob.text('nav')).not.toContain('Hi ');
    await ada.get(stack.appOrigin);
    expect(ada.text('nav')).toContain('Hi Moved');
  });

  it('writes atomically on the version read, across connections: claims, tombstones, sessions from before versions', async () => {
    const lifetimes = { tombstoneMs: 5_000, personMs: 60_000 };
    const sealer = new Sealer([SECRET]);
    const connect = () => new RedisConnection({ url: redis.url, options: {} }, () => {});
    // Two instances' stores, each on a connection of its own.
    const [a, b] = [new RedisStore(connect(), sealer, lifetimes), new RedisStore(connect(), sealer, lifetimes)];
    try {
      await a.set('cas', { n: 0 }, 60_000);
      const [readA, readB] = [(await a.get('cas')) as { version: number }, (await b.get('cas')) as { version: number }];
      expect(readA.version).toBe(1);
      await b.set('cas', { n: 'b', version: readB.version }, 60_000);
      await expect(a.set('cas', { n: 'a', version: readA.version }, 60_000)).rejects.toBeInstanceOf(StaleSession);
      expect(await a.get('cas')).toMatchObject({ n: 'b', version: 2 });

      // A claim: the claimant writes next; meanwhile the session reads as pending.
      const claimed = await a.claim('cas', 2);
      expect(await b.get('cas')).toMatchObject({ version: 3, pending: true });
      await expect(b.claim('cas', 2)).rejects.toBeInstanceOf(StaleSession);
      await a.set('cas', { n: 'a', version: claimed, pending: true }, 60_000);
      expect(await b.get('cas')).toEqual({ n: 'a', version: 4 });

      // Ended: a tombstone no write brings back; a read says so.
      await b.destroy('cas');
      await expect(a.set('cas', { n: 'late', version: 4 }, 60_000)).rejects.toBeInstanceOf(StaleSession);
      const ctx = { state: {} as Record<string, unknown> };
      expect(await a.get('cas', 0, { ctx })).toBeUndefined();
      expect(ctx.state[SESSION_ENDED]).toBe(true);
      const pttl = await client.pttl(hashedKey('b2c:session:', 'cas'));
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(lifetimes.tombstoneMs); // longer than any request, then gone

      // A session written before versions existed (the sealed value alone) reads as version 0.
      const legacy = hashedKey('b2c:session:', 'legacy');
      await client.set(legacy, sealer.seal(JSON.stringify({ n: 'old' }), legacy), 'PX', 60_000);
      expect(await a.get('legacy')).toEqual({ n: 'old', version: 0 });
      await a.set('legacy', { n: 'new', version: 0 }, 60_000);
      expect(await b.get('legacy')).toEqual({ n: 'new', version: 1 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
