// openid-client, the certified relying-party library, against the emulator in https mode, for each
// user flow: discovery from the flow's metadata, the code flow with PKCE (S256), state and nonce,
// the ID token checked by openid-client (signature included), a refresh, userinfo where offered,
// and the end-session URL that brings the browser back.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import type { Browser } from '../support/browser.ts';
import { startHttpsEmulator, type HttpsEmulator } from '../fixtures/https-emulator.ts';
import { APP_ORIGIN, CLIENT, appBrowser, authorizeUrl, callback, signIn } from './fixtures.ts';

type FlowKey = keyof Emulator['flows'];

/** What a person does on each flow's pages, from the authorization URL to the app's callback. */
const JOURNEYS: Record<FlowKey, (browser: Browser, emulator: Emulator) => Promise<unknown>> = {
  signUpSignIn: (browser, { demoUser }) => signIn(browser, demoUser.email, demoUser.password),
  // No session yet: B2C asks the person to sign in, then shows the profile.
  editProfile: async (browser, { demoUser }) => {
    await signIn(browser, demoUser.email, demoUser.password);
    expect(browser.$('#givenName').attr('value')).toBe('Demo');
    return browser.submit('#continue', { givenName: 'Dana' });
  },
  resetPassword: (browser, { demoUser }) =>
    browser.submit('#continue', { email: demoUser.email, newPassword: 'R3set-passw0rd', reenterPassword: 'R3set-passw0rd' }),
};

/** The given name each flow's ID token carries, after that flow's journey. */
const GIVEN_NAME: Record<FlowKey, string> = { signUpSignIn: 'Demo', editProfile: 'Dana', resetPassword: 'Dana' };

/** A user flow's configuration, discovered from its metadata URL as one does for B2C: the issuer
 *  (`/<tenant id>/v2.0/`) is not that URL, so openid-client is given the document itself. */
async function discover(authority: string): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(`${authority}/v2.0/.well-known/openid-configuration`), CLIENT.clientId, CLIENT.clientSecret);
  // ID tokens from the token endpoint are checked against the flow's keys too, not only trusted for TLS.
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** The code flow with PKCE, state and nonce: `journey` takes the browser through the flow's pages. */
async function codeFlow(config: oidc.Configuration, browser: Browser, journey: () => Promise<unknown>) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  await browser.get(oidc.buildAuthorizationUrl(config, {
    redirect_uri: CLIENT.redirectUris[0]!,
    scope: 'openid offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }));
  if (!browser.page.stopped) await journey();
  callback(browser); // throws unless the browser is back at the app
  const tokens = await oidc.authorizationCodeGrant(config, new URL(browser.url), {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  });
  return { tokens, nonce };
}

/** openid-client's refusal: its error code, and the check that failed as its cause says. */
function refusal(code: string, check: RegExp) {
  return { name: 'ClientError', code, cause: expect.objectContaining({ message: expect.stringMatching(check) }) };
}

describe('openid-client against the emulator over https', () => {
  let idp: HttpsEmulator;
  beforeAll(async () => {
    idp = await startHttpsEmulator({ clients: [CLIENT] });
  });
  afterAll(() => idp?.close());

  // In this order: the profile edit renames the person, the password reset keeps the new name.
  describe.each(['signUpSignIn', 'editProfile', 'resetPassword'] as const)('the %s user flow', (key) => {
    let emulator: Emulator;
    let authority: string;
    let config: oidc.Configuration;
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    let browser: Browser;

    beforeAll(async () => {
      emulator = idp.emulator;
      authority = emulator.authority(emulator.flows[key]);
      browser = appBrowser();
    });

    it('discovers the flow from its metadata URL', async () => {
      config = await discover(authority);
      const metadata = config.serverMetadata();
      expect(metadata).toMatchObject({
        issuer: emulator.issuer,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
      });
      expect(metadata.supportsPKCE('S256')).toBe(true);
    });

    it('signs in with the code flow and PKCE; openid-client accepts the ID token', async () => {
      let nonce: string;
      ({ tokens, nonce } = await codeFlow(config, browser, () => JOURNEYS[key](browser, emulator)));
      const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
      expect(tokens.claims()).toMatchObject({
        iss: emulator.issuer, aud: CLIENT.clientId, sub: demo.id, nonce, tfp: emulator.flows[key], given_name: GIVEN_NAME[key],
      });
      expect(tokens.refresh_token).toEqual(expect.any(String));
    });

    it("refreshes at the flow's token endpoint: new tokens, the same person", async () => {
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.refresh_token).toEqual(expect.any(String));
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      // B2C sends a new ID token with each refresh; openid-client has checked it (iss, aud, signature).
      expect(refreshed.id_token).toEqual(expect.any(String));
      expect(refreshed.claims()).toMatchObject({ iss: emulator.issuer, aud: CLIENT.clientId, sub: tokens.claims()!.sub, tfp: emulator.flows[key] });
    });

    it('answers userinfo with the same subject when the metadata offers it (B2C user flows do not)', async () => {
      const endpoint = config.serverMetadata().userinfo_endpoint;
      if (endpoint === undefined) {
        await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toThrow(/userinfo_endpoint/);
        return;
      }
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      expect(info.sub).toBe(tokens.claims()!.sub);
    });

    it("builds an end-session URL at the emulator's logout, which ends the session and returns to post_logout_redirect_uri", async () => {
      const postLogout = CLIENT.postLogoutRedirectUris[0]!;
      const url = oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: postLogout, id_token_hint: tokens.id_token! });
      expect(`${url.origin}${url.pathname}`).toBe(`${authority}/oauth2/v2.0/logout`);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(postLogout);

      // Before: the emulator's session signs the browser in without a page.
      await browser.get(authorizeUrl(emulator, emulator.flows.signUpSignIn).url);
      expect(browser.page.stopped).toBe(true);

      await browser.get(url);
      expect(browser.url).toBe(postLogout);
      expect(new URL(browser.url).origin).toBe(APP_ORIGIN);
      // After: a sign-in shows the sign-in page again.
      await browser.get(authorizeUrl(emulator, emulator.flows.signUpSignIn).url);
      expect(browser.page.stopped).toBe(false);
      expect(browser.$('#signInName').length).toBe(1);
    });
  });

  it('refuses the ID tokens it must: openid-client checks nonce, signature, issuer, audience and expiry itself', async () => {
    const { emulator } = idp;
    const person = { email: 'checks@example.com', password: 'Ch3cks-passw0rd', givenName: 'Check', surname: 'Person' };
    await emulator.accounts.create(person);
    const config = await discover(emulator.authority(emulator.flows.signUpSignIn));
    const browser = appBrowser();
    const { tokens } = await codeFlow(config, browser, () => signIn(browser, person.email, person.password));
    try {
      emulator.faults.idToken = 'wrongNonce';
      // Signed in at the emulator already: straight back with a code, whose ID token is spoiled.
      await expect(codeFlow(config, browser, () => Promise.reject(new Error('a page was shown'))))
        .rejects.toMatchObject(refusal('OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"nonce"/));
      // Refreshed ID tokens go through the same checks.
      const refusals = {
        badSignature: refusal('OAUTH_INVALID_RESPONSE', /signature verification failed/),
        wrongIssuer: refusal('OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"iss"/),
        wrongAudience: refusal('OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"aud"/),
        expiredPastSkew: refusal('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', /"exp"/),
      };
      for (const [fault, expected] of Object.entries(refusals)) {
        emulator.faults.idToken = fault as keyof typeof refusals;
        await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!), fault).rejects.toMatchObject(expected);
      }
    } finally {
      emulator.faults.reset();
    }
  });
});
