// Calling the web API for the signed-in person, over real HTTP: the app, the built-in emulator
// issuing B2C-shaped access and refresh tokens, and the sample API checking them. What a person
// sees, and what the emulator saw (which grants, at which user flow's token endpoint).
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, type Identity } from '../../src/identity/index.ts';
import { MemoryTokenStore } from '../../src/session/token-store.ts';
import { Browser } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let identity: Identity;
let tokens: MemoryTokenStore;
beforeAll(async () => {
  stack = await startStack({}, (config) => {
    tokens = new MemoryTokenStore(config.sessionAbsoluteMs);
    return { identity: (identity = createIdentity(config, Date.now, tokens)) };
  });
});
afterAll(() => stack.close());
afterEach(() => {
  stack.emulator.faults.reset();
  stack.sampleApi.faults.reset();
  stack.emulator.lifetimes.accessTokenSeconds = 3600;
});

let people = 0;
/** A new person signs up through the app; their browser ends on the home page, signed in. */
async function signUp(givenName = 'Api') {
  people += 1;
  const email = `api${people}.${Date.now()}@example.com`;
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.click('#createAccount');
  await browser.submit('#continue', { email, newPassword: 'Secret123', reenterPassword: 'Secret123', givenName, surname: 'Caller' });
  expect(browser.text('nav')).toContain(`Hi ${givenName}`);
  const account = (await stack.emulator.accounts.findByEmail(email))!;
  return { browser, email, account };
}

/** The API's answer on the page, as JSON. */
const answerOn = (browser: Browser) => JSON.parse(browser.text('#apiResponse')) as { name: string; scopes: string[] };

/** Token requests the emulator answers from now on. */
function watchTokens() {
  const from = stack.emulator.tokenRequests.length;
  return () => stack.emulator.tokenRequests.slice(from);
}

const authorizeRequests = (browser: Browser) => browser.page.redirects.filter((url) => new URL(url).pathname.endsWith('/oauth2/v2.0/authorize'));

describe('calling the API', () => {
  it('sign-in asks for the API scope with offline_access; the first call needs no round trip to B2C', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    const authorize = new URL(authorizeRequests(browser)[0]!);
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining([stack.config.webApi!.scopes[0], 'offline_access', 'openid']));
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });

    expect(browser.$('#CallApi').attr('href')).toBe('/api');
    const tokens = watchTokens();
    await browser.click('#CallApi');
    expect(browser.url).toBe(`${stack.appOrigin}/api`);
    expect(browser.status).toBe(200);
    expect(answerOn(browser)).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
    expect(browser.$('#Home').attr('href')).toBe('/');
    expect(tokens()).toEqual([]);
  });

  it('an expired access token is renewed silently at the sign-up/sign-in flow, with no redirect', async () => {
    stack.emulator.lifetimes.accessTokenSeconds = 60; // MSAL renews any token with under 5 minutes left
    const { browser } = await signUp('Renewed');
    const tokens = watchTokens();
    await browser.get(`${stack.appOrigin}/api`);
    expect(answerOn(browser).name).toBe('Renewed Caller');
    expect(browser.page.redirects).toEqual([`${stack.appOrigin}/api`]);
    expect(tokens()).toEqual([{ grantType: 'refresh_token', flow: stack.emulator.flows.signUpSignIn, status: 200, scope: expect.any(String) }]);
  });

  it('after edit profile and after a password reset: still called silently, each refresh at the flow that issued its token', async () => {
    const { browser, email } = await signUp('Before');
    await browser.click('#EditProfile');
    await browser.submit('#continue', { givenName: 'After' });
    await browser.click('#PasswordReset');
    await browser.submit('#continue', { email, newPassword: 'Changed42', reenterPassword: 'Changed42' });
    stack.emulator.lifetimes.accessTokenSeconds = 60;
    await browser.get(`${stack.appOrigin}/api`);
    const tokens = watchTokens();
    await browser.get(`${stack.appOrigin}/api`);
    expect(browser.page.redirects).toEqual([`${stack.appOrigin}/api`]);
    expect(answerOn(browser).name).toBe('After Caller');
    expect(tokens().map((t) => [t.grantType, t.flow, t.status])).toEqual([['refresh_token', stack.emulator.flows.signUpSignIn, 200]]);
  });

  it('signed in through the password reset alone: refreshed at the password-reset flow', async () => {
    const { browser: first, email } = await signUp('Forgetful');
    await first.get(`${stack.appOrigin}/signout`); // the person's token cache entry goes with it
    stack.emulator.lifetimes.accessTokenSeconds = 60;
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/password`);
    await browser.submit('#continue', { email, newPassword: 'Reset1234', reenterPassword: 'Reset1234' });
    expect(browser.text('nav')).toContain('Hi Forgetful');
    const tokens = watchTokens();
    await browser.get(`${stack.appOrigin}/api`);
    expect(answerOn(browser).name).toBe('Forgetful Caller');
    expect(tokens().map((t) => [t.grantType, t.flow, t.status])).toEqual([['refresh_token', stack.emulator.flows.resetPassword, 200]]);
  });

  it('signed out: /api signs in first, then shows the answer, with no extra click', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/api`);
    expect(browser.$('#signInName').length).toBe(1);
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(browser.url).toBe(`${stack.appOrigin}/api`);
    expect(answerOn(browser).name).toBe('Demo User');
  });
});

describe('when only a new sign-in can give a token', () => {
  for (const [fault, code] of [['revokeRefreshTokens', 'AADB2C90129'], ['expireRefreshTokens', 'AADB2C90080']] as const) {
    it(`a refused refresh (${code}) signs in again through B2C's session and then calls, in one journey`, async () => {
      stack.emulator.lifetimes.accessTokenSeconds = 60; // due: the next call must refresh
      const { browser, account } = await signUp('Refused');
      stack.emulator.faults[fault](account.id);
      const tokens = watchTokens();
      await browser.get(`${stack.appOrigin}/api`);
      expect(authorizeRequests(browser)).toHaveLength(1);
      expect(browser.url).toBe(`${stack.appOrigin}/api`);
      expect(answerOn(browser).name).toBe('Refused Caller');
      const seen = tokens().map((t) => [t.grantType, t.status]);
      expect(seen).toEqual([['refresh_token', 400], ['authorization_code', 200], ['refresh_token', 200]]);
    });
  }

  it('no token cache entry (forgotten): signs in again, then calls', async () => {
    const { browser, account } = await signUp('Forgotten');
    // What an instance restart does to the in-memory token cache.
    await identity.forget(account.id);
    await browser.get(`${stack.appOrigin}/api`);
    expect(authorizeRequests(browser)).toHaveLength(1);
    expect(answerOn(browser).name).toBe('Forgotten Caller');
  });

  it('an API that keeps answering 401: one forced refresh, one sign-in, then a page (no loop)', async () => {
    const { browser } = await signUp('Looping');
    stack.sampleApi.faults.status = 401;
    const tokens = watchTokens();
    await browser.get(`${stack.appOrigin}/api`);
    expect(authorizeRequests(browser)).toHaveLength(1);
    expect(browser.status).toBe(502);
    expect(browser.text('#problem h2')).toBe('The web API still refuses your sign-in');
    expect(tokens().filter((t) => t.grantType === 'refresh_token')).toHaveLength(2);
    stack.sampleApi.faults.reset();
    await browser.get(`${stack.appOrigin}/`);
    expect(browser.text('nav')).toContain('Hi Looping');
  });
});

describe('the token cache', () => {
  it('keeps nothing of a sign-in whose ID token failed the checks', async () => {
    const { email } = await signUp('Spoilt');
    const account = (await stack.emulator.accounts.findByEmail(email))!;
    await identity.forget(account.id);
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    stack.emulator.faults.idToken = 'wrongNonce';
    await browser.submit('#next', { signInName: email, password: 'Secret123' });
    expect(browser.status).toBe(401);
    expect(await tokens.get(account.id)).toBe('');
  });

  it('holds one entry per person, with an account for each user flow they went through', async () => {
    const { browser, email, account } = await signUp('Flows');
    await browser.click('#EditProfile');
    await browser.submit('#continue', { givenName: 'Flows2' });
    await browser.click('#PasswordReset');
    await browser.submit('#continue', { email, newPassword: 'Changed42', reenterPassword: 'Changed42' });
    const cache = JSON.parse(await tokens.get(account.id)) as { Account: Record<string, { home_account_id: string }>; RefreshToken: Record<string, unknown> };
    const { signUpSignIn, editProfile, resetPassword } = stack.emulator.flows;
    const accounts = Object.values(cache.Account).map((a) => a.home_account_id.split('.')[0]).sort();
    expect(accounts).toEqual([signUpSignIn, editProfile, resetPassword].map((flow) => `${account.id}-${flow.toLowerCase()}`).sort());
    expect(Object.keys(cache.RefreshToken)).toHaveLength(3);
  });
});

describe('when the API fails', () => {
  const cases: [string, () => void, number, string][] = [
    ['500', () => void (stack.sampleApi.faults.status = 500), 502, 'The web API failed'],
    ['403', () => void (stack.sampleApi.faults.status = 403), 403, 'The web API refused'],
  ];
  it.each(cases)('%s: a page saying so, and the person is still signed in', async (_, fault, status, title) => {
    const { browser } = await signUp('Failing');
    fault();
    await browser.get(`${stack.appOrigin}/api`);
    expect(browser.status).toBe(status);
    expect(browser.text('#problem h2')).toBe(title);
    expect(browser.$('#problem #Home').attr('href')).toBe('/');
    expect(authorizeRequests(browser)).toEqual([]);
    stack.sampleApi.faults.reset();
    await browser.get(`${stack.appOrigin}/`);
    expect(browser.text('nav')).toContain('Hi Failing');
  });
});

describe('when the API cannot be had', () => {
  /** A person signed in on `other`, calling its API. */
  async function callOn(other: Stack) {
    const browser = new Browser();
    await browser.get(`${other.appOrigin}/signin`);
    await browser.submit('#next', { signInName: other.emulator.demoUser.email, password: other.emulator.demoUser.password });
    await browser.get(`${other.appOrigin}/api`);
    return browser;
  }

  it('unreachable: a 502 page, still signed in', async () => {
    const other = await startStack({ WEB_API_URI: `http://127.0.0.1:${await freePort()}/hello` });
    try {
      const browser = await callOn(other);
      expect([browser.status, browser.text('#problem h2')]).toEqual([502, 'The web API cannot be reached']);
      await browser.get(`${other.appOrigin}/`);
      expect(browser.text('nav')).toContain('Hi Demo');
    } finally {
      await other.close();
    }
  });

  /** An API of a few lines that answers every request with `raw` and then hangs up. */
  async function rawApi(raw: string): Promise<Server> {
    const server = createServer((socket) => socket.once('data', () => socket.end(raw)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  it.each([
    ['an answer broken off mid-body', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"name":', [502, 'The web API cannot be reached']],
    ['a redirect (not followed)', 'HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\n\r\n', [502, 'The web API failed']],
  ] as const)('%s: a 502 page, still signed in', async (_, raw, page) => {
    const api = await rawApi(raw);
    const other = await startStack({ WEB_API_URI: `http://127.0.0.1:${(api.address() as AddressInfo).port}/hello` });
    try {
      const browser = await callOn(other);
      expect([browser.status, browser.text('#problem h2')]).toEqual(page);
      await browser.get(`${other.appOrigin}/`);
      expect(browser.text('nav')).toContain('Hi Demo');
    } finally {
      await other.close();
      await new Promise((resolve) => api.close(resolve));
    }
  });

  it('no answer: a 504 page within the IdP timeout, still signed in', async () => {
    const other = await startStack({ IDP_TIMEOUT_MS: '1000' });
    try {
      other.sampleApi.faults.hang = true;
      const browser = await callOn(other);
      expect([browser.status, browser.text('#problem h2')]).toEqual([504, 'The web API is taking too long']);
      other.sampleApi.faults.reset();
      await browser.get(`${other.appOrigin}/`);
      expect(browser.text('nav')).toContain('Hi Demo');
    } finally {
      await other.close();
    }
  });
});

describe('many at once', () => {
  it('50 people calling the API at once each get their own name', async () => {
    // Half of them hold a token that is due, so their calls refresh it.
    stack.emulator.lifetimes.accessTokenSeconds = 60;
    const due = await Promise.all(Array.from({ length: 25 }, (_, i) => signUp(`Crowd${i}`)));
    stack.emulator.lifetimes.accessTokenSeconds = 3600;
    const fresh = await Promise.all(Array.from({ length: 25 }, (_, i) => signUp(`Crowd${i + 25}`)));
    const tokens = watchTokens();
    const pages = await Promise.all([...due, ...fresh].map(async ({ browser }) => {
      await browser.get(`${stack.appOrigin}/api`);
      return browser;
    }));
    expect(tokens().filter((t) => t.grantType === 'refresh_token' && t.status === 200)).toHaveLength(25);
    pages.forEach((browser, i) => {
      expect(browser.status).toBe(200);
      expect(answerOn(browser).name).toBe(`Crowd${i} Caller`);
    });
  });

  it('two tabs calling the API at once after the token expired: both answered, still signed in', async () => {
    stack.emulator.lifetimes.accessTokenSeconds = 60; // its token is due from the start
    const { browser } = await signUp('Tabs');
    const url = new URL(`${stack.appOrigin}/api`);
    const cookie = browser.jar.header(url, { crossSite: false, method: 'GET' });
    const tokens = watchTokens();
    const answers = await Promise.all([1, 2].map(() => fetch(url, { headers: { cookie }, redirect: 'manual' })));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('Tabs Caller');
    }
    // The two shared one refresh in this instance.
    expect(tokens().map((t) => [t.grantType, t.status])).toEqual([['refresh_token', 200]]);
    await browser.get(`${stack.appOrigin}/`);
    expect(browser.text('nav')).toContain('Hi Tabs');
  });
});

describe('logs', () => {
  it('carry no access token, refresh token or API answer across the API journeys', async () => {
    const { browser } = await signUp('Secretive');
    stack.emulator.lifetimes.accessTokenSeconds = 60;
    await browser.get(`${stack.appOrigin}/api`);
    await browser.get(`${stack.appOrigin}/api`);
    stack.sampleApi.faults.status = 500;
    await browser.get(`${stack.appOrigin}/api`);
    const leaked = stack.logs.join('\n');
    expect(leaked).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(leaked).not.toContain('Secretive');
    expect(leaked).not.toContain('tasks.read');
    expect(leaked).not.toMatch(/refresh_token|access_token|Bearer /i);
    const calls = stack.logs.map((line) => JSON.parse(line)).filter((r) => r.msg === 'request' && r.route === '/api');
    expect(calls.map((r) => r.transition?.event)).toContain('CALL_API');
  });
});

describe('with no API configured (a real tenant, WEB_API_URI unset)', () => {
  it('offers no button, and /api says so on a page, signed in or out', async () => {
    const bare = await startStack({ WEB_API_URI: '', WEB_API_SCOPES: '' });
    try {
      const browser = new Browser();
      await browser.get(`${bare.appOrigin}/api`);
      expect([browser.status, browser.text('#problem h2')]).toEqual([404, 'No web API is configured']);
      expect(browser.jar.all()).toEqual([]);
      await browser.get(`${bare.appOrigin}/signin`);
      await browser.submit('#next', { signInName: bare.emulator.demoUser.email, password: bare.emulator.demoUser.password });
      expect(browser.text('nav')).toContain('Hi Demo');
      expect(browser.$('#CallApi').length).toBe(0);
      await browser.get(`${bare.appOrigin}/api`);
      expect([browser.status, browser.text('#problem h2')]).toEqual([404, 'No web API is configured']);
      expect(browser.text('nav')).toContain('Hi Demo');
    } finally {
      await bare.close();
    }
  });
});
