// SESSION_STORE_OPTIONS reaches ioredis as it is: a real Sentinel in front of a primary, and a real
// three-node Cluster, each keep a signed-in person's session.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { skipRedis, startRedis, type RedisServer } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';

const run = promisify(execFile);
const SECRET = 'test-session-secret-test-session-secret';

async function signInAsDemo(stack: Stack) {
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  return browser;
}

/** The session keys on one server that hold a session, not the tombstone of an ended one. */
async function liveSessions(direct: Redis): Promise<string[]> {
  const keys = await direct.keys('b2c:session:*');
  const values = await Promise.all(keys.map((key) => direct.get(key)));
  return keys.filter((_, i) => values[i] !== 'ended');
}

describe.skipIf(skipRedis)('Redis topologies through SESSION_STORE_OPTIONS', () => {
  const servers: RedisServer[] = [];
  const stacks: Stack[] = [];
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
    await Promise.all(servers.map((server) => server.close()));
  });

  it('Sentinel: the app finds the primary through the sentinel', async () => {
    const primary = await startRedis();
    servers.push(primary);
    const sentinel = await startRedis({ sentinel: `sentinel monitor sessions 127.0.0.1 ${primary.port} 1\n` });
    servers.push(sentinel);
    const options = { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: 'sessions' };
    // The URL's host is not used: the sentinel names the primary.
    const stack = await startStack({ SESSION_STORE: 'redis://unused.invalid:6379', SESSION_STORE_OPTIONS: JSON.stringify(options), SESSION_SECRET: SECRET });
    stacks.push(stack);

    const browser = await signInAsDemo(stack);
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    const direct = new Redis(primary.url);
    expect(await liveSessions(direct)).toHaveLength(1);
    direct.disconnect();
  });

  // A client that did not follow the cluster's slots would be refused (MOVED) for most keys.
  it('Cluster: sessions and token caches kept across three nodes', async () => {
    const nodes = await Promise.all([1, 2, 3].map(() => startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] })));
    servers.push(...nodes);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    const cluster = nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
    const stack = await startStack({ SESSION_STORE: nodes[0]!.url, SESSION_STORE_OPTIONS: JSON.stringify({ cluster }), SESSION_SECRET: SECRET });
    stacks.push(stack);

    const browsers = await Promise.all([1, 2, 3, 4].map(() => signInAsDemo(stack)));
    for (const browser of browsers) expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    const keysOn = nodes.map((node) => new Redis(node.url));
    const perNode = await Promise.all(keysOn.map((direct) => direct.keys('b2c:*')));
    const sessions = (await Promise.all(keysOn.map(liveSessions))).flat();
    keysOn.forEach((direct) => direct.disconnect());
    const keys = perNode.flat();
    expect(sessions).toHaveLength(4); // beside the tombstones of the ids each sign-in replaced
    expect(keys.filter((key) => key.startsWith('b2c:msal:'))).toHaveLength(1); // one person, four sessions
  });
});
