// The fault switches, each observed the way the app would meet it.
import { request } from 'node:http';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator, IdTokenFault } from '../../src/emulator/index.ts';
import { appBrowser, beginAuthorization, callback, CLIENT, codeGrant, demoCode, redeem, signIn, start, tokenRequest } from './fixtures.ts';

describe('fault switches', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  const jwks = async () => (await (await fetch(`${emulator.authority(emulator.flows.signUpSignIn)}/discovery/v2.0/keys`)).json()) as JSONWebKeySet;
  /** The ID token the token endpoint returns for a fresh demo sign-in. */
  const idToken = async () => {
    const { code, verifier } = await demoCode(emulator);
    const { status, body } = await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier));
    expect(status).toBe(200);
    return body.id_token as string;
  };
  /** The checks the app makes (MSAL makes none of these). */
  const verifyAsTheAppWould = async (token: string) => jwtVerify(token, createLocalJWKSet(await jwks()), {
    issuer: emulator.issuer, audience: CLIENT.clientId, algorithms: ['RS256'], requiredClaims: ['sub', 'iat', 'exp', 'nonce'],
  });

  it('an honest token passes the checks', async () => {
    await expect(verifyAsTheAppWould(await idToken())).resolves.toBeTruthy();
  });

  it.each<[IdTokenFault, RegExp]>([
    ['wrongAudience', /unexpected "aud" claim value/],
    ['wrongIssuer', /unexpected "iss" claim value/],
    ['expired', /"exp" claim timestamp check failed/],
    ['badSignature', /signature verification failed/],
    ['missingSub', /missing required "sub" claim/],
    ['missingIat', /missing required "iat" claim/],
  ])('idToken = %s is caught by the ID-token checks', async (fault, error) => {
    emulator.faults.idToken = fault;
    await expect(verifyAsTheAppWould(await idToken())).rejects.toThrow(error);
  });

  it('idToken = wrongNonce is caught by MSAL when given the nonce', async () => {
    emulator.faults.idToken = 'wrongNonce';
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    await expect(redeem(tx, callback(browser))).rejects.toMatchObject({ errorCode: 'nonce_mismatch' });
  });

  it('idToken = missingKid drops the kid; the single key in the keys endpoint still verifies it', async () => {
    emulator.faults.idToken = 'missingKid';
    const token = await idToken();
    expect(decodeProtectedHeader(token)).not.toHaveProperty('kid');
    expect((await jwks()).keys).toHaveLength(1);
    await expect(verifyAsTheAppWould(token)).resolves.toBeTruthy();
  });

  it('rotateSigningKey(): a new key signs and is the only one served; the SSO session survives', async () => {
    const before = await idToken();
    const oldKid = decodeProtectedHeader(before).kid;
    await emulator.faults.rotateSigningKey();
    const keys = await jwks();
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]!.kid).not.toBe(oldKid);
    await expect(verifyAsTheAppWould(before)).rejects.toThrow();

    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const after = (await redeem(tx, callback(browser))).idToken;
    expect(decodeProtectedHeader(after).kid).toBe(keys.keys[0]!.kid);
    await expect(verifyAsTheAppWould(after)).resolves.toBeTruthy();
    const sso = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(sso.url);
    expect(callback(browser).get('code')).toBeTruthy();
  });

  it('tokenEndpoint = error500 answers 500, and MSAL reports a failure', async () => {
    emulator.faults.tokenEndpoint = 'error500';
    const { code, verifier, browser } = await demoCode(emulator);
    expect((await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier))).status).toBe(500);
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(tx.url);
    await expect(redeem(tx, callback(browser))).rejects.toThrow();
  });

  it('tokenEndpoint = malformed answers 200 with a body that is not JSON', async () => {
    emulator.faults.tokenEndpoint = 'malformed';
    const { code, verifier } = await demoCode(emulator);
    const response = await fetch(`${emulator.authority(emulator.flows.signUpSignIn)}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(codeGrant(code, verifier)),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it('tokenEndpoint = hang never answers, and close() still ends promptly', async () => {
    emulator.faults.tokenEndpoint = 'hang';
    const { code, verifier } = await demoCode(emulator);
    const url = new URL(`${emulator.authority(emulator.flows.signUpSignIn)}/oauth2/v2.0/token`);
    // A client with a deadline gives up: nothing came back in time.
    await expect(fetch(url, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(codeGrant(code, verifier)), signal: AbortSignal.timeout(300),
    })).rejects.toThrow(/timeout|aborted/i);
    // One without a deadline is still waiting when the emulator closes, and is cut off by it.
    const waiting = new Promise<string>((resolve) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, () => resolve('answered'));
      req.on('error', () => resolve('cut off'));
      req.end(new URLSearchParams(codeGrant(code, verifier)).toString());
      req.on('finish', () => { void emulator.close(); });
    });
    expect(await waiting).toBe('cut off');
    await emulator.close();
  });

  it('reset() switches every fault off', async () => {
    emulator.faults.tokenEndpoint = 'error500';
    emulator.faults.idToken = 'expired';
    emulator.faults.reset();
    expect(emulator.faults).toMatchObject({ tokenEndpoint: 'ok', idToken: null });
    const claims = decodeJwt(await idToken());
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('cannot be reached over HTTP', async () => {
    for (const path of ['/faults', '/_emulator/faults', `/emulator.onmicrosoft.com/${emulator.flows.signUpSignIn}/faults`]) {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${emulator.origin}${path}`, { method, body: method === 'POST' ? 'tokenEndpoint=hang' : undefined });
        expect(response.status).toBe(404);
      }
    }
    expect(emulator.faults.tokenEndpoint).toBe('ok');
  });
});
