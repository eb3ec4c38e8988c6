// The sample API's token checks, each met with a real token from the emulator (or a spoilt one).
import { CompactSign, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { startSampleApi, type SampleApi, type StartSampleApiOptions } from '../../src/sample-api/index.ts';
import { apiTokens, CLIENT } from '../emulator/fixtures.ts';

describe('the sample API, GET /hello', () => {
  let emulator: Emulator;
  let api: SampleApi;
  let read: string;
  let write: string;
  const extra: SampleApi[] = [];
  const options = (more: Partial<StartSampleApiOptions> = {}): StartSampleApiOptions => ({
    port: 0, authority: emulator.authority(emulator.flows.signUpSignIn), audience: emulator.api.clientId,
    requiredScope: 'tasks.read', userFlows: Object.values(emulator.flows), timeoutMs: 2000, ...more,
  });
  /** Another sample API, closed after the test. */
  const another = async (more: Partial<StartSampleApiOptions>) => {
    const started = await startSampleApi(options(more));
    extra.push(started);
    return started;
  };
  const hello = (token?: string, on = api) =>
    fetch(`${on.origin}/hello`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, clients: [CLIENT] });
    [read = '', write = ''] = emulator.api.scopes;
    api = await startSampleApi(options());
  });
  afterEach(async () => {
    emulator.lifetimes.accessTokenSeconds = 3600;
    await Promise.all(extra.splice(0).map((started) => started.close()));
  });
  afterAll(async () => {
    await api.close();
    await emulator.close();
  });

  it('answers the caller\'s name and granted scopes for an access token with the scope', async () => {
    const { access_token: token } = await apiTokens(emulator, [read]);
    const response = await hello(token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });

    const both = await apiTokens(emulator, [read, write]);
    expect(await (await hello(both.access_token)).json()).toEqual({ name: 'Demo User', scopes: ['tasks.read', 'tasks.write'] });
  });

  it('no token: 401 with a bare Bearer challenge (no error code, RFC 6750)', async () => {
    for (const init of [{}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }]) {
      const response = await fetch(`${api.origin}/hello`, init);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="sample-api"');
      expect(await response.json()).toEqual({ error: 'missing_token' });
    }
  });

  /** 401 invalid_token, and the body and headers never echo the token. */
  const expectInvalid = async (token: string, on = api) => {
    const response = await hello(token, on);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="sample-api", error="invalid_token"/);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'invalid_token' });
    expect(`${text}${[...response.headers].join()}`).not.toContain(token.slice(-20));
  };

  it('a garbage token, or a malformed header: 401 invalid_token', async () => {
    await expectInvalid('garbage');
    await expectInvalid('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    const spaced = await fetch(`${api.origin}/hello`, { headers: { authorization: 'Bearer two words' } });
    expect(spaced.status).toBe(401);
    expect(spaced.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a token whose signature was flipped: 401', async () => {
    const { access_token: token } = await apiTokens(emulator, [read]);
    const [header, payload, signature = ''] = token.split('.');
    await expectInvalid(`${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
  });

  it('the same claims signed with another key (even naming the tenant key\'s kid): 401', async () => {
    const { access_token: token } = await apiTokens(emulator, [read]);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(decodeJwt(token))))
      .setProtectedHeader({ ...decodeProtectedHeader(token), alg: 'RS256' }).sign(privateKey);
    await expectInvalid(forged);
    const otherKid = await new CompactSign(new TextEncoder().encode(JSON.stringify(decodeJwt(token))))
      .setProtectedHeader({ alg: 'RS256', kid: 'not-a-tenant-key' }).sign(privateKey);
    await expectInvalid(otherKid);
  });

  it('an ID token instead of an access token (its audience is the app): 401', async () => {
    const { id_token: idToken } = await apiTokens(emulator, [read]);
    expect(decodeJwt(idToken).aud).toBe(CLIENT.clientId);
    await expectInvalid(idToken);
  });

  it('an expired token: 401 once past exp and the clock tolerance', async () => {
    emulator.lifetimes.accessTokenSeconds = 1;
    const { access_token: token } = await apiTokens(emulator, [read]);
    const strict = await another({ clockToleranceSeconds: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expectInvalid(token, strict);
    // The default tolerance (60 s) still takes it.
    expect((await hello(token)).status).toBe(200);
  });

  it('a token of a user flow it does not accept: 401; flows compare case-insensitively', async () => {
    const { access_token: token } = await apiTokens(emulator, [read]);
    await expectInvalid(token, await another({ userFlows: [emulator.flows.editProfile] }));
    const lower = await another({ userFlows: [emulator.flows.signUpSignIn.toLowerCase()] });
    expect((await hello(token, lower)).status).toBe(200);
  });

  it('a token for another audience: 401', async () => {
    const { access_token: token } = await apiTokens(emulator, [read]);
    await expectInvalid(token, await another({ audience: 'some-other-api' }));
  });

  it('a valid token without the required scope: 403 insufficient_scope', async () => {
    const { access_token: token } = await apiTokens(emulator, [write]);
    const response = await hello(token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="sample-api", error="insufficient_scope"/);
    expect(await response.json()).toEqual({ error: 'insufficient_scope' });
    const writer = await another({ requiredScope: 'tasks.write' });
    expect((await hello(token, writer)).status).toBe(200);
  });

  it('GET /public needs no token; other paths are 404 JSON; other methods 405', async () => {
    const open = await fetch(`${api.origin}/public`);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ message: expect.any(String) });
    const missing = await fetch(`${api.origin}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found' });
    const post = await fetch(`${api.origin}/hello`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
