// The Redis password in SESSION_STORE never reaches a log line or a probe's answer, when a real
// connection fails: a redis-server with `requirepass` given a wrong password, and a server stopped
// under an app that had the right one. Every line the app logs is kept (test/support/stack.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { skipRedis, startRedis, type RedisServer } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';

const RIGHT = 'right-Redis-passw0rd-4f1c';
const WRONG = 'wrong-Redis-passw0rd-9b2e';

const records = (stack: Stack) => stack.logs.map((line) => JSON.parse(line) as Record<string, unknown>);

/** What an operator or a load balancer sees: /readyz's status and body, and the status and body of
 *  `page`, a request that needs the session store. */
async function probe(stack: Stack, page: () => Promise<Response>) {
  const readyz = await fetch(`${stack.appOrigin}/readyz`);
  const answer = await page();
  return { readyz: { status: readyz.status, body: await readyz.text() }, page: { status: answer.status, body: await answer.text() } };
}

/** The demo user's sign-in up to the app's callback, which is returned, not yet sent: the request
 *  that writes the session (a visitor's is in its pending cookie, so /signin needs no store). */
async function callbackOf(stack: Stack): Promise<() => Promise<Response>> {
  const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  expect(browser.page.stopped).toBe(true);
  const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: true, method: 'GET' });
  expect(cookie).toMatch(/^b2c\.pending=/);
  return () => fetch(browser.url, { headers: { cookie }, redirect: 'manual' });
}

describe.skipIf(skipRedis)('a Redis password in SESSION_STORE', () => {
  let redis: RedisServer;
  beforeEach(async () => {
    redis = await startRedis({ args: ['--requirepass', RIGHT] });
  });
  afterEach(() => redis?.close());

  it('a wrong one: sessions refused with a 503, /readyz names the session store, and neither the logs nor the answers hold it', async () => {
    const stack = await startStack({ SESSION_STORE: `redis://default:${WRONG}@127.0.0.1:${redis.port}`, IDP_TIMEOUT_MS: '1000' });
    try {
      const answers = [await probe(stack, await callbackOf(stack))];
      expect(answers[0]).toMatchObject({ readyz: { status: 503, body: 'not ready: session store\n' }, page: { status: 503 } });
      await redis.stop(); // then the server goes away as well
      answers.push(await probe(stack, await callbackOf(stack)));
      expect(answers[1]).toMatchObject({ readyz: { status: 503, body: 'not ready: session store\n' }, page: { status: 503 } });
      // A visitor needs no store: /signin still answers, its session sealed in its pending cookie.
      const visitor = await fetch(`${stack.appOrigin}/signin`, { redirect: 'manual' });
      expect(visitor.status).toBe(302);
      expect(visitor.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['b2c.pending']);

      // The failures were logged (so the lines were there to leak it), and nothing holds the password.
      expect(records(stack).some((r) => r.msg === 'not ready')).toBe(true);
      expect(records(stack).some((r) => r.msg === 'session store unavailable')).toBe(true);
      for (const text of [...stack.logs, JSON.stringify(answers)]) {
        expect(text).not.toContain(WRONG);
        expect(text).not.toContain(encodeURIComponent(WRONG));
      }
    } finally {
      await stack.close();
    }
  });

  it('the right one, the server stopped under the app: 503s, and neither the logs nor the answers hold it', async () => {
    const stack = await startStack({ SESSION_STORE: `redis://default:${RIGHT}@127.0.0.1:${redis.port}`, IDP_TIMEOUT_MS: '1000' });
    try {
      const browser = new Browser();
      await browser.get(`${stack.appOrigin}/signin`);
      await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
      expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`); // a session, in Redis
      expect((await fetch(`${stack.appOrigin}/readyz`)).status).toBe(200);
      const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });

      await redis.stop();
      const answers = await probe(stack, () => fetch(`${stack.appOrigin}/`, { headers: { cookie }, redirect: 'manual' }));
      expect(answers).toMatchObject({ readyz: { status: 503, body: 'not ready: session store\n' }, page: { status: 503 } });
      expect(records(stack).some((r) => r.msg === 'session store unavailable')).toBe(true);
      expect(records(stack).filter((r) => r.msg === 'not ready')).toHaveLength(1);
      for (const text of [...stack.logs, JSON.stringify(answers)]) expect(text).not.toContain(RIGHT);
    } finally {
      await stack.close();
    }
  });
});
