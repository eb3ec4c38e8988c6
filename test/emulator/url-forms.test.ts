// B2C's other URL forms, as a client sees them: the policy in `p`, the tfp prefix, the tenant id in
// place of its name, flow names in any case; B2C's metadata fields; and B2C's 404 for what is not there.
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { APP_ORIGIN, CLIENT, appBrowser, callback, codeGrant, signIn, start } from './fixtures.ts';

type Metadata = Record<string, unknown> & { authorization_endpoint: string; token_endpoint: string; end_session_endpoint: string; jwks_uri: string };

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'end_session_endpoint', 'jwks_uri'] as const;

describe('B2C URL forms', () => {
  let emulator: Emulator;
  let tenantId: string;
  const domain = 'emulator.onmicrosoft.com';
  beforeAll(async () => {
    emulator = await start();
    tenantId = emulator.issuer.split('/')[3]!;
  });
  afterAll(() => emulator.close());

  const get = async (path: string) => fetch(`${emulator.origin}${path}`, { redirect: 'manual' });
  const metadataAt = async (path: string): Promise<Metadata> => {
    const response = await get(path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as Metadata;
  };

  /** Each form, with where its metadata is and what its endpoints look like. */
  const forms = () => [
    { name: 'path', metadata: `/${domain}/B2C_1_susi/v2.0/.well-known/openid-configuration`, endpoint: (rest: string) => `/${domain}/B2C_1_susi${rest}` },
    { name: 'path, tenant id, other case', metadata: `/${tenantId}/b2c_1_SUSI/v2.0/.well-known/openid-configuration`, endpoint: (rest: string) => `/${tenantId}/b2c_1_SUSI${rest}` },
    { name: 'query', metadata: `/${domain}/v2.0/.well-known/openid-configuration?p=B2C_1_susi`, endpoint: (rest: string) => `/${domain}${rest}?p=B2C_1_susi` },
    { name: 'query, lower case', metadata: `/${domain}/v2.0/.well-known/openid-configuration?p=b2c_1_susi`, endpoint: (rest: string) => `/${domain}${rest}?p=b2c_1_susi` },
    { name: 'tfp', metadata: `/tfp/${domain}/B2C_1_SUSI/v2.0/.well-known/openid-configuration`, endpoint: (rest: string) => `/tfp/${domain}/B2C_1_SUSI${rest}` },
    { name: 'tfp, tenant id, p', metadata: `/tfp/${tenantId}/v2.0/.well-known/openid-configuration?p=B2C_1_susi`, endpoint: (rest: string) => `/tfp/${tenantId}${rest}?p=B2C_1_susi` },
  ];

  it('serves one flow\'s metadata in every form: same issuer and fields, endpoints written in the form asked', async () => {
    const reference = await emulator.metadata('B2C_1_susi');
    for (const form of forms()) {
      const served = await metadataAt(form.metadata);
      expect(served.authorization_endpoint, form.name).toBe(`${emulator.origin}${form.endpoint('/oauth2/v2.0/authorize')}`);
      expect(served.token_endpoint, form.name).toBe(`${emulator.origin}${form.endpoint('/oauth2/v2.0/token')}`);
      expect(served.end_session_endpoint, form.name).toBe(`${emulator.origin}${form.endpoint('/oauth2/v2.0/logout')}`);
      expect(served.jwks_uri, form.name).toBe(`${emulator.origin}${form.endpoint('/discovery/v2.0/keys')}`);
      const withoutEndpoints = (doc: Record<string, unknown>) => Object.fromEntries(Object.entries(doc).filter(([key]) => !(ENDPOINTS as readonly string[]).includes(key)));
      expect(withoutEndpoints(served), form.name).toEqual(withoutEndpoints(reference));
      // The keys endpoint each form names answers with the same key set.
      const keys = await (await fetch(served.jwks_uri)).json();
      expect(keys, form.name).toEqual(await (await fetch(reference.jwks_uri as string)).json());
    }
  });

  it('writes the metadata fields B2C writes its own way', async () => {
    const served = await emulator.metadata('B2C_1_susi');
    expect(served).toMatchObject({
      scopes_supported: ['openid'],
      subject_types_supported: ['pairwise'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    });
    expect(served.claims_supported).toEqual(expect.arrayContaining(['oid', 'sub', 'name', 'emails', 'tfp', 'newUser', 'iss', 'iat', 'exp', 'aud', 'nonce', 'auth_time']));
  });

  it.each([
    ['query', (rest: string) => `/${domain}${rest}?p=b2c_1_susi`],
    ['tfp', (rest: string) => `/tfp/${domain}/B2C_1_SUSI${rest}`],
    ['tenant id', (rest: string) => `/${tenantId}/B2C_1_susi${rest}`],
  ])('signs in, redeems and refreshes through the %s form, and the tokens say which flow', async (_name, at) => {
    const served = await metadataAt(at('/v2.0/.well-known/openid-configuration'));
    const verifier = 'v'.repeat(43);
    const authorize = new URL(served.authorization_endpoint);
    for (const [key, value] of Object.entries({
      client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0]!, response_type: 'code', scope: 'openid offline_access',
      state: 'state-1', nonce: 'nonce-1', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    })) authorize.searchParams.set(key, value);
    const browser = appBrowser();
    await browser.get(authorize);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const params = callback(browser);
    expect(params.get('state')).toBe('state-1');

    const post = (fields: Record<string, string>) => fetch(served.token_endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields),
    });
    const redeemed = await post(codeGrant(params.get('code')!, verifier));
    expect(redeemed.status).toBe(200);
    const tokens = (await redeemed.json()) as { id_token: string; refresh_token: string };
    expect(decodeJwt(tokens.id_token)).toMatchObject({ tfp: 'B2C_1_susi', iss: emulator.issuer, aud: CLIENT.clientId, nonce: 'nonce-1' });
    const refreshed = await post({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(refreshed.status).toBe(200);
    expect(emulator.tokenRequests.slice(-2).map((r) => [r.grantType, r.flow, r.status])).toEqual([
      ['authorization_code', 'B2C_1_susi', 200], ['refresh_token', 'B2C_1_susi', 200],
    ]);

    // B2C's logout in the same form: straight back to the registered page.
    const logout = new URL(served.end_session_endpoint);
    logout.searchParams.set('post_logout_redirect_uri', CLIENT.postLogoutRedirectUris[0]!);
    const out = await get(`${logout.pathname}${logout.search}`);
    expect([out.status, out.headers.get('location')]).toEqual([302, `${APP_ORIGIN}/`]);
  });

  it('every claim of an ID token but nbf and ver is in claims_supported', async () => {
    const served = await emulator.metadata('B2C_1_susi');
    const verifier = 'w'.repeat(43);
    const authorize = new URL(served.authorization_endpoint as string);
    for (const [key, value] of Object.entries({
      client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0]!, response_type: 'code', scope: 'openid',
      nonce: 'n', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    })) authorize.searchParams.set(key, value);
    const browser = appBrowser();
    await browser.get(authorize);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const response = await fetch(served.token_endpoint as string, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(codeGrant(callback(browser).get('code')!, verifier)),
    });
    const claims = Object.keys(decodeJwt(((await response.json()) as { id_token: string }).id_token));
    expect(claims.filter((claim) => !['nbf', 'ver'].includes(claim) && !(served.claims_supported as string[]).includes(claim))).toEqual([]);
  });

  it('answers an unknown policy or tenant, or none, in every form and at every endpoint, with B2C\'s 404 page and no redirect', async () => {
    const oauth = `client_id=${CLIENT.clientId}&redirect_uri=${encodeURIComponent(CLIENT.redirectUris[0]!)}&response_type=code&scope=openid`;
    const paths = [
      `/${domain}/B2C_1_nope/v2.0/.well-known/openid-configuration`,
      `/${domain}/v2.0/.well-known/openid-configuration?p=B2C_1_nope`,
      `/${domain}/v2.0/.well-known/openid-configuration`,
      `/tfp/${domain}/B2C_1_nope/v2.0/.well-known/openid-configuration`,
      `/other.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration`,
      `/other.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_susi`,
      `/00000000-0000-0000-0000-000000000000/B2C_1_susi/discovery/v2.0/keys`,
      `/${domain}/B2C_1_nope/oauth2/v2.0/authorize?${oauth}`,
      `/${domain}/oauth2/v2.0/authorize?p=B2C_1_nope&${oauth}`,
      `/${domain}/oauth2/v2.0/authorize?${oauth}`,
      `/${domain}/oauth2/v2.0/logout?p=B2C_1_nope&post_logout_redirect_uri=${encodeURIComponent(CLIENT.postLogoutRedirectUris[0]!)}`,
      `/${domain}/discovery/v2.0/keys?p=B2C_1_nope`,
      // `p` names a flow, but this is no endpoint B2C serves in the query form.
      `/${domain}/oauth2/v2.0/nothing?p=B2C_1_susi`,
    ];
    for (const path of paths) {
      const response = await get(path);
      const body = await response.text();
      expect([response.status, response.headers.get('content-type'), response.headers.get('location')], path).toEqual([404, 'text/html; charset=utf-8', null]);
      expect(body, path).toContain('404 - File or directory not found.');
    }
    const token = await fetch(`${emulator.origin}/${domain}/oauth2/v2.0/token?p=B2C_1_nope`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=x',
    });
    expect(token.status).toBe(404);
    expect(emulator.tokenRequests.filter((r) => r.flow === '')).toEqual([]);
  });
});
