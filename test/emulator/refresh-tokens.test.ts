// Refresh tokens as B2C handles them: a new one every time, the old one still good until it expires,
// redeemable only at the issuing user flow, and the revoke/expire faults.
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import {
  apiTokens, appBrowser, B2C_ERROR_LINES, authorizeUrl, beginAuthorization, callback, codeGrant, redeem, refreshGrant, signIn, start, tokenRequest,
} from './fixtures.ts';

describe('refresh tokens', () => {
  let emulator: Emulator;
  let read: string;
  let write: string;
  beforeEach(async () => {
    emulator = await start();
    [read = '', write = ''] = emulator.api.scopes;
  });
  afterEach(() => emulator.close());

  const refresh = (token: string, flow = emulator.flows.signUpSignIn, extra: Record<string, string> = {}) =>
    tokenRequest(emulator, flow, refreshGrant(token, extra));
  const demoId = async () => (await emulator.accounts.findByEmail(emulator.demoUser.email))!.id;

  /** MSAL signed in for the API scope through the sign-up/sign-in flow. */
  const msalSignedIn = async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { scopes: [read] });
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    return { tx, first: await redeem(tx, callback(browser)) };
  };

  describe('with MSAL as the client', () => {
    it('forceRefresh redeems the refresh token at the issuing flow and gets a new API access token', async () => {
      const { tx, first } = await msalSignedIn();
      const before = emulator.tokenRequests.length;
      const refreshed = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: [read], forceRefresh: true });
      // (RS256 is deterministic: within the same second the new token may equal the old byte for byte.)
      expect(refreshed.fromCache).toBe(false);
      expect(decodeJwt(refreshed.accessToken)).toMatchObject({ aud: emulator.api.clientId, scp: 'tasks.read', tfp: emulator.flows.signUpSignIn });
      expect(refreshed.idTokenClaims).toMatchObject({ sub: first.uniqueId, tfp: emulator.flows.signUpSignIn });
      expect(emulator.tokenRequests.slice(before)).toEqual([
        { grantType: 'refresh_token', flow: emulator.flows.signUpSignIn, status: 200, scope: expect.stringContaining(read) },
      ]);
    });

    it('refreshes by itself once the access token has under five minutes left (lifetimes.accessTokenSeconds = 60)', async () => {
      emulator.lifetimes.accessTokenSeconds = 60;
      const { tx, first } = await msalSignedIn();
      expect(first.expiresOn!.getTime() - Date.now()).toBeLessThan(61_000);
      const before = emulator.tokenRequests.length;
      const silent = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: [read] });
      expect(silent.fromCache).toBe(false);
      expect(emulator.tokenRequests.slice(before).map((r) => r.grantType)).toEqual(['refresh_token']);

      emulator.lifetimes.accessTokenSeconds = 3600;
      await tx.msal.acquireTokenSilent({ account: first.account!, scopes: [read], forceRefresh: true });
      const cached = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: [read] });
      expect(cached.fromCache).toBe(true);
    });

    it('a revoked refresh token fails MSAL with invalid_grant, AADB2C90129 (a ServerError, as against B2C)', async () => {
      const { tx, first } = await msalSignedIn();
      emulator.faults.revokeRefreshTokens(await demoId());
      const refused = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: [read], forceRefresh: true }).catch((err: unknown) => err);
      expect(refused).toMatchObject({ name: 'ServerError', errorCode: 'invalid_grant', errorMessage: expect.stringMatching(/AADB2C90129/) });
      expect(emulator.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token', status: 400 });
    });
  });

  describe('at the token endpoint', () => {
    it('returns a new access token, ID token and a NEW refresh token each time; the one presented stays valid', async () => {
      const first = await apiTokens(emulator, [read, write]);
      const second = await refresh(first.refresh_token);
      expect(second.status).toBe(200);
      expect(second.body.refresh_token).toEqual(expect.any(String));
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      expect(second.body.scope).toBe(`${read} ${write} offline_access`);
      expect(decodeJwt(String(second.body.access_token))).toMatchObject({ scp: 'tasks.read tasks.write' });
      expect(decodeJwt(String(second.body.id_token))).toMatchObject({ tfp: emulator.flows.signUpSignIn });

      // Two tabs refreshing with the same token both succeed; B2C has no reuse detection.
      const again = await refresh(first.refresh_token);
      expect(again.status).toBe(200);
      expect(again.body.refresh_token).not.toBe(second.body.refresh_token);
      for (const token of [second.body.refresh_token, again.body.refresh_token, first.refresh_token]) {
        expect((await refresh(String(token))).status).toBe(200);
      }
    });

    it('grants a subset of the scopes granted, and refuses more (invalid_scope)', async () => {
      const first = await apiTokens(emulator, [read, write]);
      const subset = await refresh(first.refresh_token, undefined, { scope: `${read} openid offline_access` });
      expect(subset.body.scope).toBe(`${read} offline_access`);
      expect(decodeJwt(String(subset.body.access_token)).scp).toBe('tasks.read');

      const narrow = await apiTokens(emulator, [read]);
      const more = await refresh(narrow.refresh_token, undefined, { scope: `${write} openid offline_access` });
      expect(more).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    });

    it("is invalid_grant (AADB2C90088) at another user flow's token endpoint, and the flow is recorded", async () => {
      const first = await apiTokens(emulator, [read]);
      const elsewhere = await refresh(first.refresh_token, emulator.flows.editProfile);
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.error).toBe('invalid_grant');
      expect(elsewhere.body.error_description).toMatch(/^AADB2C90088: The provided grant has not been issued for this endpoint\./);
      expect(emulator.tokenRequests.at(-1)).toEqual({ grantType: 'refresh_token', flow: emulator.flows.editProfile, status: 400 });
      // ...and still good where it was issued, even addressed in another case, as B2C matches flows.
      const lower = emulator.authority(emulator.flows.signUpSignIn.toLowerCase());
      const home = await fetch(`${lower}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(refreshGrant(first.refresh_token)) });
      expect(home.status).toBe(200);
      expect(emulator.tokenRequests.at(-1)).toMatchObject({ flow: emulator.flows.signUpSignIn, status: 200 });
    });

    it('a refresh token from the profile-edit flow works there and is AADB2C90088 at sign-up/sign-in', async () => {
      const browser = appBrowser();
      const { url, verifier } = authorizeUrl(emulator, emulator.flows.editProfile, { scope: `openid offline_access ${read}` });
      await browser.get(url);
      await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
      await browser.submit('#continue', { givenName: 'Demo', surname: 'User' });
      const { body } = await tokenRequest(emulator, emulator.flows.editProfile, codeGrant(callback(browser).get('code')!, verifier));
      const token = String(body.refresh_token);
      const there = await refresh(token, emulator.flows.editProfile);
      expect(decodeJwt(String(there.body.access_token)).tfp).toBe(emulator.flows.editProfile);
      const susi = await refresh(token);
      expect(susi.body.error_description).toMatch(/^AADB2C90088: /);
    });

    it('revokeRefreshTokens(account): every refresh token issued so far is AADB2C90129; newer ones and other accounts work; reset() undoes', async () => {
      const first = await apiTokens(emulator, [read]);
      const second = await refresh(first.refresh_token);
      emulator.faults.revokeRefreshTokens(await demoId());
      for (const token of [first.refresh_token, String(second.body.refresh_token)]) {
        const refused = await refresh(token);
        expect(refused.status).toBe(400);
        expect(refused.body.error).toBe('invalid_grant');
        expect(refused.body.error_description).toMatch(/^AADB2C90129: The provided grant has been revoked\. Please reauthenticate and try again\./);
        expect(refused.body.error_description).toMatch(B2C_ERROR_LINES);
      }
      const after = await apiTokens(emulator, [read]);
      expect((await refresh(after.refresh_token)).status).toBe(200);

      emulator.faults.reset();
      expect((await refresh(first.refresh_token)).status).toBe(200);
    });

    it('expireRefreshTokens(account): AADB2C90080 for tokens issued so far, for that account only', async () => {
      await emulator.accounts.create({ email: 'other@example.com', password: 'Other1234', givenName: 'Other', surname: 'Person' });
      const demo = await apiTokens(emulator, [read]);
      emulator.faults.expireRefreshTokens(await demoId());
      const refused = await refresh(demo.refresh_token);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');
      expect(refused.body.error_description).toMatch(/^AADB2C90080: The provided grant has expired\. Please re-authenticate and try again\./);
      expect(refused.body.error_description).toMatch(B2C_ERROR_LINES);

      const browser = appBrowser();
      const { url, verifier } = authorizeUrl(emulator, emulator.flows.signUpSignIn, { scope: `openid offline_access ${read}` });
      await browser.get(url);
      await signIn(browser, 'other@example.com', 'Other1234');
      const other = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(callback(browser).get('code')!, verifier));
      expect(decodeJwt(String(other.body.id_token)).emails).toEqual(['other@example.com']);
      expect((await refresh(String(other.body.refresh_token))).status).toBe(200);

      const fresh = await apiTokens(emulator, [read]);
      expect((await refresh(fresh.refresh_token)).status).toBe(200);
      emulator.faults.reset();
      expect((await refresh(demo.refresh_token)).status).toBe(200);
    });

    it('a refresh token past lifetimes.refreshTokenSeconds is AADB2C90080; the setting applies to tokens issued after it', async () => {
      emulator.lifetimes.refreshTokenSeconds = 1;
      const short = await apiTokens(emulator, [read]);
      emulator.lifetimes.refreshTokenSeconds = 3600;
      const long = await apiTokens(emulator, [read]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const expired = await refresh(short.refresh_token);
      expect(expired.status).toBe(400);
      expect(expired.body.error_description).toMatch(/^AADB2C90080: /);
      expect((await refresh(long.refresh_token)).status).toBe(200);
    });

    it('a wrong client secret is invalid_client, before any B2C check', async () => {
      const first = await apiTokens(emulator, [read]);
      const stranger = await refresh(first.refresh_token, undefined, { client_secret: 'guessed' });
      expect(stranger).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });
  });
});
