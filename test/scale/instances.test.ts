// Two app instances, each its own process, behind a round-robin balancer, sharing one real Redis:
// every journey is begun on one instance and finished on the other. Then Redis goes away and
// comes back while the instances keep running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { startSampleApi, type SampleApi } from '../../src/sample-api/index.ts';
import { Browser } from '../support/browser.ts';
import { skipRedis, startRedis, type RedisServer } from '../support/redis.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { startInstance, type Instance } from './instance.ts';

const cancelled = 'User has cancelled the operation';

describe.skipIf(skipRedis)('two instances sharing Redis', () => {
  let redis: RedisServer;
  let emulator: Emulator;
  let sampleApi: SampleApi;
  let balancer: Balancer;
  const instances: Instance[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    balancer = await startBalancer(ports);
    const clientId = 'scaled-app';
    const clientSecret = 'scaled-app-secret';
    emulator = await startEmulator({
      port: 0,
      clients: [{ clientId, clientSecret, redirectUris: [`${balancer.origin}/redirect`], postLogoutRedirectUris: [balancer.origin] }],
    });
    const susi = emulator.authority(emulator.flows.signUpSignIn);
    sampleApi = await startSampleApi({ port: 0, authority: susi, audience: emulator.api.clientId, requiredScope: 'tasks.read', userFlows: Object.values(emulator.flows), timeoutMs: 5_000 });
    const env = {
      APP_CLIENT_ID: clientId,
      APP_CLIENT_SECRET: clientSecret,
      SESSION_SECRET: 'one-secret-for-every-instance-of-the-app',
      SESSION_STORE: redis.url,
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: susi,
      EDIT_PROFILE_POLICY_AUTHORITY: emulator.authority(emulator.flows.editProfile),
      RESET_PASSWORD_POLICY_AUTHORITY: emulator.authority(emulator.flows.resetPassword),
      AUTHORITY_DOMAIN: emulator.origin,
      APP_REDIRECT_URI: `${balancer.origin}/redirect`,
      LOGOUT_ENDPOINT: `${susi}/oauth2/v2.0/logout?post_logout_redirect_uri=${balancer.origin}`,
      WEB_API_URI: `${sampleApi.origin}/hello`,
      WEB_API_SCOPES: emulator.api.scopes.find((scope) => scope.endsWith('/tasks.read'))!,
    };
    instances.push(...(await Promise.all([startInstance(env), startInstance(env)])));
    ports.push(...instances.map((instance) => instance.port));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await balancer?.close();
    await emulator?.close();
    await sampleApi?.close();
    await redis?.close();
  });

  /** Runs a journey and checks that each step the app answered came from the other instance than
   *  the step before, and that both took part. */
  async function acrossInstances(journey: () => Promise<unknown>) {
    const first = balancer.served.length;
    await journey();
    const steps = balancer.served.slice(first);
    expect(new Set(steps.map((step) => step.instance)).size).toBe(2);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.instance).not.toBe(steps[i - 1]!.instance);
    expect(steps.every((step) => step.status < 500)).toBe(true);
    return steps;
  }

  let people = 0;
  async function signUp(browser: Browser, givenName: string) {
    const email = `scaled${++people}.${Date.now()}@example.com`;
    await browser.get(`${balancer.origin}/signin`);
    await browser.click('#createAccount');
    await browser.submit('#continue', { email, newPassword: 'Secret123', reenterPassword: 'Secret123', givenName, surname: 'Tester' });
    return email;
  }

  async function signInAsDemo(browser: Browser) {
    await browser.get(balancer.origin);
    await browser.click('#SignIn');
    await browser.submit('#next', { signInName: emulator.demoUser.email, password: emulator.demoUser.password });
  }

  it('sign-in: started on one instance, the callback redeemed on the other', async () => {
    const browser = new Browser();
    const steps = await acrossInstances(() => signInAsDemo(browser));
    const start = steps.findIndex((step) => step.path === '/signin');
    const callback = steps.findIndex((step) => step.path === '/redirect');
    expect(steps[callback]!.instance).not.toBe(steps[start]!.instance);
    expect(browser.text()).toContain(`Hi ${emulator.demoUser.givenName}`);
  });

  // A visitor's transaction is in its pending cookie, which either instance opens: what keeps its
  // callback single-use is the spent mark both instances share in Redis.
  it('the same callback with its pending cookie, sent to both instances at once and again later, signs in once and reaches the token endpoint once', async () => {
    const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    await browser.get(`${balancer.origin}/signin`);
    await browser.submit('#next', { signInName: emulator.demoUser.email, password: emulator.demoUser.password });
    expect(browser.page.stopped).toBe(true);
    const cookie = browser.jar.header(new URL(balancer.origin), { crossSite: true, method: 'GET' });
    expect(cookie).toMatch(/^b2c\.pending=/);
    const back = new URL(browser.url);
    const at = (instance: Instance) => fetch(`http://127.0.0.1:${instance.port}${back.pathname}${back.search}`, { headers: { cookie }, redirect: 'manual' });
    const names = (answer: Response) => answer.headers.getSetCookie().map((c) => c.split('=')[0]);
    const from = emulator.tokenRequests.length;

    const both = await Promise.all(instances.map(at));
    const winners = both.filter((answer) => names(answer).includes('b2c.sid'));
    expect(winners).toHaveLength(1);
    expect(names(winners[0]!)).toEqual(['b2c.sid', 'b2c.sid.sig', 'b2c.pending']);
    const later = await Promise.all(instances.map(at));
    for (const answer of [...both, ...later]) expect(answer.status).toBeLessThan(500);
    for (const answer of later) expect(names(answer)).not.toContain('b2c.sid');
    expect(emulator.tokenRequests.slice(from).map((t) => t.grantType)).toEqual(['authorization_code']);

    // The one session works on either instance.
    const session = winners[0]!.headers.getSetCookie().map((c) => c.split(';')[0]!).filter((c) => c.startsWith('b2c.sid')).join('; ');
    for (const instance of instances) {
      expect(await (await fetch(`http://127.0.0.1:${instance.port}/`, { headers: { cookie: session } })).text()).toContain(`Hi ${emulator.demoUser.givenName}`);
    }
  });

  it('the API: a token redeemed on one instance is renewed on the other from the shared cache', async () => {
    emulator.lifetimes.accessTokenSeconds = 60; // due at once: every call refreshes
    try {
      const browser = new Browser();
      const from = emulator.tokenRequests.length;
      const steps = await acrossInstances(async () => {
        await browser.get(`${balancer.origin}/api`); // signed out: sign in first...
        await browser.submit('#next', { signInName: emulator.demoUser.email, password: emulator.demoUser.password }); // ...then on to /api
      });
      expect(browser.url).toBe(`${balancer.origin}/api`);
      expect(JSON.parse(browser.text('#apiResponse'))).toMatchObject({ name: 'Demo User' });
      const redeemed = steps.find((step) => step.path === '/redirect')!;
      const called = steps.at(-1)!;
      expect([called.path, called.status]).toEqual(['/api', 200]);
      expect(called.instance).not.toBe(redeemed.instance);
      expect(emulator.tokenRequests.slice(from).map((t) => [t.grantType, t.flow, t.status])).toEqual([
        ['authorization_code', emulator.flows.signUpSignIn, 200],
        ['refresh_token', emulator.flows.signUpSignIn, 200],
      ]);
      // Back from the sign-in, the call went to the emulator's token endpoint only, never the browser.
      expect(browser.page.redirects.filter((url) => new URL(url).pathname.endsWith('/oauth2/v2.0/authorize'))).toEqual([]);
    } finally {
      emulator.lifetimes.accessTokenSeconds = 3600;
    }
  });

  it('the API in two tabs at once after the token expired, one on each instance: both answered', async () => {
    const browser = new Browser();
    emulator.lifetimes.accessTokenSeconds = 60; // every token due: each call refreshes
    try {
      await signInAsDemo(browser);
      const from = emulator.tokenRequests.length;
      const url = new URL(`${balancer.origin}/api`);
      const cookie = browser.jar.header(url, { crossSite: false, method: 'GET' });
      const first = balancer.served.length;
      const answers = await Promise.all([1, 2].map(() => fetch(url, { headers: { cookie }, redirect: 'manual' })));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(await answer.text()).toContain('Demo User');
      }
      expect(new Set(balancer.served.slice(first).map((step) => step.instance)).size).toBe(2);
      // Both refreshed with the same refresh token, each on its instance; B2C takes it twice.
      expect(emulator.tokenRequests.slice(from).map((t) => [t.grantType, t.status])).toEqual([['refresh_token', 200], ['refresh_token', 200]]);
      await browser.get(balancer.origin);
      expect(browser.text('nav')).toContain('Hi Demo');
    } finally {
      emulator.lifetimes.accessTokenSeconds = 3600;
    }
  });

  it('a stolen cookie does not outlive the victim’s sign-out on the other instance, whatever it has in flight', async () => {
    const victim = new Browser();
    await signInAsDemo(victim);
    const stolen = victim.jar.header(new URL(balancer.origin), { crossSite: false, method: 'GET' });
    const [a, b] = instances.map((instance) => `http://127.0.0.1:${instance.port}`) as [string, string];
    const started = await fetch(`${a}/profile`, { headers: { cookie: stolen }, redirect: 'manual' });
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    emulator.faults.tokenEndpointDelayMs = 400;
    try {
      const inFlight = fetch(`${a}/redirect?state=${state}&code=bogus`, { headers: { cookie: stolen }, redirect: 'manual' });
      for (let i = 0; i < 500 && emulator.faults.heldTokenRequests === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(emulator.faults.heldTokenRequests).toBe(1);
      const signOut = await fetch(`${b}/signout`, { headers: { cookie: stolen }, redirect: 'manual' });
      expect(signOut.headers.get('location')).toContain('/oauth2/v2.0/logout');
      const late = await inFlight;
      expect(late.headers.getSetCookie()).toEqual([]);
    } finally {
      emulator.faults.reset();
    }
    for (const origin of [a, b]) {
      const page = await (await fetch(`${origin}/`, { headers: { cookie: stolen } })).text();
      expect(page).toContain('id="SignIn"');
      expect(page).not.toContain('Hi Demo');
    }
  });

  it('a sign-out on one instance ends the person’s session in another browser on the other instance', async () => {
    const email = `twice.${Date.now()}@example.com`;
    await emulator.accounts.create({ email, password: 'Secret123', givenName: 'Twice', surname: 'Scaled' });
    const [a, b] = instances.map((instance) => `http://127.0.0.1:${instance.port}`) as [string, string];
    const [first, second] = [new Browser(), new Browser()];
    for (const browser of [first, second]) {
      await browser.get(`${balancer.origin}/signin`);
      await browser.submit('#next', { signInName: email, password: 'Secret123' });
      expect(browser.text('nav')).toContain('Hi Twice');
    }
    const cookieOf = (browser: Browser) => browser.jar.header(new URL(balancer.origin), { crossSite: false, method: 'GET' });
    await fetch(`${a}/signout`, { headers: { cookie: cookieOf(first) }, redirect: 'manual' });
    const page = await (await fetch(`${b}/`, { headers: { cookie: cookieOf(second) } })).text();
    expect(page).toContain('id="SignIn"');
    expect(page).toContain('Please sign in again');
  });

  it('sign-up, and sign-up cancelled', async () => {
    const browser = new Browser();
    await acrossInstances(() => signUp(browser, 'Scaled'));
    expect(browser.text()).toContain('Hi Scaled');

    const other = new Browser();
    await acrossInstances(async () => {
      await other.get(`${balancer.origin}/signin`);
      await other.click('#createAccount');
      await other.submit('#cancel');
    });
    expect(other.text()).toContain(cancelled);
    expect(other.$('#SignIn').length).toBe(1);
  });

  it('"Forgot your password?" through the password reset flow', async () => {
    const email = await signUp(new Browser(), 'Forgetful');
    const browser = new Browser();
    await acrossInstances(async () => {
      await browser.get(`${balancer.origin}/signin`);
      await browser.click('#forgotPassword');
      await browser.submit('#continue', { email, newPassword: 'NewSecret9', reenterPassword: 'NewSecret9' });
    });
    expect(browser.text()).toContain('Hi Forgetful');
  });

  it('edit profile, reset password, and each cancelled, then sign-out', async () => {
    const browser = new Browser();
    const email = await signUp(browser, 'Before');
    await acrossInstances(async () => {
      await browser.click('#EditProfile');
      await browser.submit('#continue', { givenName: 'After' });
    });
    expect(browser.text()).toContain('Hi After');

    await acrossInstances(async () => {
      await browser.click('#EditProfile');
      await browser.submit('#cancel');
    });
    expect(browser.text()).toContain(cancelled);

    await acrossInstances(async () => {
      await browser.click('#PasswordReset');
      await browser.submit('#cancel');
    });
    expect(browser.text()).toContain('Hi After');
    expect(browser.text()).toContain(cancelled);

    await acrossInstances(async () => {
      await browser.click('#PasswordReset');
      await browser.submit('#continue', { email, newPassword: 'Changed42', reenterPassword: 'Changed42' });
    });
    expect(browser.text()).toContain('Hi After');

    await acrossInstances(async () => {
      await browser.click('a[href="/signout"]');
      await browser.get(balancer.origin);
    });
    expect(browser.$('#SignIn').length).toBe(1);
  });

  it('Redis down: a 503 page saying to try again, no crash; back up: the same session, no restart', async () => {
    const browser = new Browser();
    await signInAsDemo(browser);
    await redis.stop();

    for (const _ of instances) {
      await browser.get(balancer.origin);
      expect(browser.status).toBe(503);
      expect(browser.text()).toMatch(/try again/i);
      expect(browser.page.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(instances.every((instance) => instance.alive())).toBe(true);

    await redis.start();
    // The instances reconnect by themselves (backing off to one attempt every 2 s).
    const deadline = Date.now() + 15_000;
    while ((await browser.get(balancer.origin)).status === 503 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    for (const _ of instances) {
      await browser.get(balancer.origin);
      expect(browser.status).toBe(200);
      expect(browser.text()).toContain(`Hi ${emulator.demoUser.givenName}`);
    }
  });

  it('never logs a token, a code, an email or a name', () => {
    const logs = instances.map((instance) => instance.output()).join('\n');
    expect(logs).toContain('session store unavailable');
    for (const secret of [emulator.demoUser.email, 'Forgetful', 'Scaled', 'code=', 'eyJ']) expect(logs).not.toContain(secret);
  });
});
