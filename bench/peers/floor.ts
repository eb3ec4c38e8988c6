// The floor under this app's page figures: the order's stack and nothing of the app. Koa,
// koa-session with a signed cookie over a store (a plain Map: the cheapest there is), @koa/router
// with the app's routes, and a constant page, the same HTML the ceiling answers. No statechart, no
// page rendering. Its /signin does the least a correct sign-in redirect must: fresh state, nonce and
// PKCE verifier, the challenge hashed, the transaction sealed (AES-256-GCM) into a cookie, the
// URL built from a template. `duties` adds what every answer of the app owes: its security
// headers and its request log line (pino, to /dev/null). What this server costs per request, no
// version of the app can cost less, so its ratio to the ceiling says whether a target can be met
// inside the order. Run by the benchmark in a process of its own (bench/peers/apps.ts), over IPC.
// Given a client of the emulator (argv[4]), its /signin goes there and its /redirect completes the
// sign-in (floor-journey.ts): a floor under a whole sign-in journey too.
import { createHash, randomBytes } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import session from 'koa-session';
import { CookieKeys } from '../../src/http/cookie-keys.ts';
import { requestLog } from '../../src/http/request-log.ts';
import { securityHeaders } from '../../src/http/security-headers.ts';
import { batched, createLogger } from '../../src/log.ts';
import { randomOctets } from '../../src/random.ts';
import { answerParent } from '../servers.ts';
import { sealTransaction, signInFloor, type FloorClient } from './floor-journey.ts';

const sessionSecret = process.argv[2] ?? 'bench-floor-secret-bench-floor-secret';
const duties = process.argv[3] === 'duties';
const client = process.argv[4] ? (JSON.parse(process.argv[4]) as FloorClient) : undefined;
let page = '';

const devNull = openSync('/dev/null', 'w');
const log = createLogger('info', batched((chunk) => writeSync(devNull, chunk)));
const sessions = new Map<string, unknown>();
const store = {
  get: async (key: string) => sessions.get(key),
  set: async (key: string, value: unknown) => void sessions.set(key, value),
  destroy: async (key: string) => void sessions.delete(key),
};

const app = new Koa();
app.keys = new CookieKeys([sessionSecret]);
if (duties) {
  app.use(securityHeaders({ https: false }));
  app.use(requestLog(log, { trustProxy: false }));
}
app.use(session({ key: 'b2c.sid', maxAge: 3_600_000, rolling: false, autoCommit: false, httpOnly: true, sameSite: 'lax', signed: true, store }, app));
const router = new Router();
// A session of the app's size (an idle one holds ~650 bytes), read on every signed-in page.
const user = { name: 'Demo User', givenName: 'Demo', accountId: `${'0'.repeat(36)}-b2c_1_susi`, sessionStarted: Date.now() };
router.get('/', (ctx) => {
  const signedIn = ctx.session?.user as typeof user | undefined;
  ctx.type = 'text/html';
  ctx.body = signedIn ? page.replace('Sign in', `Hi ${signedIn.givenName}`) : page;
});
router.get('/_floor/sign-in', async (ctx) => {
  ctx.session!.user = user;
  ctx.session!.machine = { status: 'active', value: 'signedIn', context: { user, transaction: null, notice: null }, padding: 'x'.repeat(300) };
  await ctx.session!.manuallyCommit();
  ctx.body = 'signed in';
});
const key = randomBytes(32);
const signIn = client ? await signInFloor(client, key) : undefined;
const authorize = signIn?.authorize ?? 'https://localhost/tenant/b2c_1_susi/oauth2/v2.0/authorize?client_id=floor&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Flocalhost%2Fredirect';
router.get('/signin', (ctx) => {
  // The app's pooled CSPRNG reads (a randomBytes each is a system call here): the floor stays below.
  const [state, nonce, verifier] = [randomOctets(32), randomOctets(32), randomOctets(32)].map((b) => b.toString('base64url')) as [string, string, string];
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  ctx.cookies.set('b2c.pending', sealTransaction(key, { state, nonce, verifier, at: Date.now() }), { httpOnly: true, sameSite: 'lax', signed: false });
  ctx.redirect(`${authorize}&state=${state}&nonce=${nonce}&code_challenge=${challenge}&code_challenge_method=S256`);
});
router.get('/redirect', signIn?.redirect ?? ((ctx) => void (ctx.status = 204)));
for (const path of ['/profile', '/password', '/signout', '/api', '/problem']) router.get(path, (ctx) => void (ctx.status = 204));
app.use(router.routes());

const server: Server = createServer(app.callback());
await new Promise<void>((resolve, reject) => server.once('error', reject).listen(client?.port ?? 0, 'localhost', resolve));
answerParent({ serve: ({ html }) => void (page = String(html)) }, () => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});
process.send!({ ready: { url: `http://localhost:${(server.address() as AddressInfo).port}/` } });
