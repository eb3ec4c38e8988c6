// MSAL's throttling cache (msal-common's ThrottlingUtils): after a 429 or a 5xx from a token endpoint
// (or any error answer with Retry-After), MSAL refuses every next request with the same "thumbprint"
// until Retry-After (default 60 s, at most 3600 s) has passed, without sending it. For a code
// redemption the thumbprint is the client id, the authority and the scopes: no person, no code. So in
// a client shared by everyone, one person's 429 would refuse everyone's sign-in for a minute.
//
// First, that this really happens with a plain msal-node client (its own network module), so the
// tests below are known to be able to fail; then that the app's transport (src/identity/network.ts)
// keeps such answers from MSAL even in a shared client; then what people see in the app.
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.ts';
import { THROTTLED_RETRY_AFTER_SECONDS } from '../../src/emulator/faults.ts';
import { createNetworkClient } from '../../src/identity/network.ts';
import { appBrowser, callback, CLIENT, SCOPES, signIn, start } from '../emulator/fixtures.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

const BOB = { email: 'bob.throttled@example.com', password: 'Bobs-Passw0rd!', givenName: 'Bob', surname: 'Builder' };

describe('MSAL with its own network module, one client for everyone', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await start();
    await emulator.accounts.create(BOB);
  });
  afterEach(() => emulator.faults.reset());
  afterAll(() => emulator.close());

  /** One client for every person (what the app must never have), with MSAL's default transport
   *  unless another is given. */
  async function sharedClient(networkClient?: ReturnType<typeof createNetworkClient>) {
    const flow = emulator.flows.signUpSignIn;
    return new ConfidentialClientApplication({
      auth: {
        clientId: CLIENT.clientId,
        clientSecret: CLIENT.clientSecret,
        authority: emulator.authority(flow).replace(/^http:/, 'https:'),
        knownAuthorities: [new URL(emulator.origin).host],
        authorityMetadata: JSON.stringify(await emulator.metadata(flow)),
      },
      ...(networkClient ? { system: { networkClient } } : {}),
    });
  }

  /** A person signs in at the emulator through the shared client's URL; their code redeemed by it. */
  async function signInThrough(msal: ConfidentialClientApplication, person: { email: string; password: string }) {
    const crypto = new CryptoProvider();
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const [state, nonce] = [crypto.createNewGuid(), crypto.createNewGuid()];
    const redirectUri = CLIENT.redirectUris[0]!;
    const browser = appBrowser();
    await browser.get(await msal.getAuthCodeUrl({ scopes: SCOPES, redirectUri, state, nonce, codeChallenge: challenge, codeChallengeMethod: 'S256' }));
    await signIn(browser, person.email, person.password);
    const code = callback(browser).get('code')!;
    return () => msal.acquireTokenByCode({ code, scopes: SCOPES, redirectUri, codeVerifier: verifier, nonce, state }, { code, state });
  }

  it('the emulator’s error429 fault answers 429 with Retry-After', async () => {
    emulator.faults.tokenEndpoint = 'error429';
    const response = await fetch(`${emulator.authority(emulator.flows.signUpSignIn)}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code' }) });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe(String(THROTTLED_RETRY_AFTER_SECONDS));
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it.each(['error429', 'error500'] as const)('after %s on one person’s redemption, another person’s is refused without being sent', async (fault) => {
    const msal = await sharedClient();
    const demo = await signInThrough(msal, emulator.demoUser);
    const bob = await signInThrough(msal, BOB);

    emulator.faults.tokenEndpoint = fault;
    await expect(demo()).rejects.toThrow();
    emulator.faults.reset(); // the token endpoint answers again
    const sent = emulator.tokenRequests.length;
    await expect(bob()).rejects.toThrow();
    // MSAL answered from its throttling cache: Bob's request never reached the token endpoint.
    expect(emulator.tokenRequests.length).toBe(sent);
  });

  it.each(['error429', 'error500'] as const)('given the app’s transport, the same shared client sends the next person’s redemption after %s, and it succeeds', async (fault) => {
    const msal = await sharedClient(createNetworkClient(5_000));
    const demo = await signInThrough(msal, emulator.demoUser);
    const bob = await signInThrough(msal, BOB);

    emulator.faults.tokenEndpoint = fault;
    await expect(demo()).rejects.toMatchObject({ errorCode: 'network_error' });
    emulator.faults.reset();
    const sent = emulator.tokenRequests.length;
    const result = await bob();
    expect(result.idTokenClaims).toMatchObject({ given_name: 'Bob' });
    expect(emulator.tokenRequests.slice(sent)).toMatchObject([{ grantType: 'authorization_code', status: 200 }]);
  });
});

// In the app two things keep one person's failure from refusing the next: the transport above, and a
// client of its own for each redemption (src/identity/index.ts, redeem), whose throttling cache dies
// with it. With the transport handing 429/5xx to MSAL (tried on a copy), the first person's page
// below turns into a 400 "could not be completed" and these tests fail there; Bob's sign-in would
// still work, thanks to the second defence alone.
describe('the app: one person’s 429 or 5xx, then another person signs in at once', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ IDP_TIMEOUT_MS: '2000' });
    await stack.emulator.accounts.create(BOB);
  });
  afterEach(() => stack.emulator.faults.reset());
  afterAll(() => stack.close());

  async function atSignInPage() {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    expect(browser.url).toContain(stack.emulator.origin);
    return browser;
  }

  it.each(['error429', 'error500'] as const)('%s: the first person sees "not answering", the next person is signed in, and so is the first on retrying', async (fault) => {
    const demo = await atSignInPage();
    const bob = await atSignInPage();

    stack.emulator.faults.tokenEndpoint = fault;
    await demo.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    // A 503 "not answering" page: the status never reached MSAL, which would have made it a refused
    // code (400 "could not be completed") and remembered it.
    expect(demo.status).toBe(503);
    expect(demo.$('#problem h2').text()).toBe('The sign-in service is not answering');
    expect(stack.emulator.tokenRequests.at(-1)).toMatchObject({ grantType: 'authorization_code', status: fault === 'error429' ? 429 : 500 });

    stack.emulator.faults.reset();
    const sent = stack.emulator.tokenRequests.length;
    await bob.submit('#next', { signInName: BOB.email, password: BOB.password });
    expect(bob.url).toBe(`${stack.appOrigin}/`);
    expect(bob.text()).toContain('Hi Bob');
    // Bob's code went to the token endpoint: nothing answered for it from a cache.
    expect(stack.emulator.tokenRequests.slice(sent)).toMatchObject([{ grantType: 'authorization_code', status: 200 }]);

    await demo.get(`${stack.appOrigin}/signin`); // the emulator's session signs in at once
    expect(demo.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });
});
