// With SESSION_STORE=redis://, anonymous traffic writes no key at all: a visitor's session is in its
// pending cookie. A completed sign-in writes its session, its token cache and one spent mark that
// makes its callback single-use across instances, gone when the transaction would have expired.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { skipRedis, startRedis, type RedisServer } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';

describe.skipIf(skipRedis)('a visitor in Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    stack = await startStack({ SESSION_STORE: redis.url });
  });
  afterAll(async () => {
    await stack?.close();
    client?.disconnect();
    await redis?.close();
  });

  const prefixes = async () => (await client.keys('*')).map((key) => key.split(':').slice(0, 2).join(':')).sort();

  it('200 anonymous /signin, /password, /profile and forged callbacks leave no key', async () => {
    await client.flushall();
    for (let i = 0; i < 50; i += 1) {
      await Promise.all(['/signin', '/password', '/profile', `/redirect?state=forged${i}&code=x`].map((path) => fetch(`${stack.appOrigin}${path}`, { redirect: 'manual' })));
    }
    expect(await client.dbsize()).toBe(0);
  });

  it('a refused code leaves no key; a completed sign-in leaves its session, its tokens and one spent mark that ends with its transaction', async () => {
    await client.flushall();
    const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
    const spoilt = new URL(browser.url);
    spoilt.searchParams.set('code', 'not-the-code');
    await fetch(spoilt, { headers: { cookie }, redirect: 'manual' });
    expect(await client.dbsize()).toBe(0);

    const answer = await fetch(browser.url, { headers: { cookie }, redirect: 'manual' });
    expect(answer.headers.getSetCookie().some((c) => c.startsWith('b2c.sid='))).toBe(true);
    expect(await prefixes()).toEqual(['b2c:msal', 'b2c:session', 'b2c:spent']);
    const [spent] = await client.keys('b2c:spent:*');
    // Hashed: the state itself is nowhere in Redis.
    expect(spent).not.toContain(new URL(browser.url).searchParams.get('state')!);
    const ttl = await client.pttl(spent!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(stack.config.transactionTtlMs + 60_000);
  });
});
