// The sample API when what it depends on fails, its fault switches, and what it never logs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { startSampleApi, type SampleApi, type StartSampleApiOptions } from '../../src/sample-api/index.ts';
import { apiTokens, CLIENT } from '../emulator/fixtures.ts';

/** A local server answering with `handle`, closed after the test. */
async function serve(handle: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the sample API when things fail', () => {
  let emulator: Emulator;
  let token: string;
  const started: SampleApi[] = [];
  const servers: Server[] = [];
  const start = async (more: Partial<StartSampleApiOptions> = {}) => {
    const api = await startSampleApi({
      port: 0, authority: emulator.authority(emulator.flows.signUpSignIn), audience: emulator.api.clientId,
      requiredScope: 'tasks.read', userFlows: Object.values(emulator.flows), timeoutMs: 1000, ...more,
    });
    started.push(api);
    return api;
  };
  const hello = (api: SampleApi) => fetch(`${api.origin}/hello`, { headers: { authorization: `Bearer ${token}` } });
  const expectUnavailable = async (api: SampleApi) => {
    const response = await hello(api);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'temporarily_unavailable' });
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, clients: [CLIENT] });
    token = (await apiTokens(emulator, [emulator.api.scopes[0]!])).access_token;
  });
  afterEach(async () => {
    emulator.faults.reset();
    await Promise.all(started.splice(0).map((api) => api.close()));
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });
  afterAll(() => emulator.close());

  it('metadata unreachable (nothing listening, or 404): 503, and /public still answers', async () => {
    const { server, origin } = await serve(() => {});
    server.close();
    const refused = await start({ authority: `${origin}/emulator.onmicrosoft.com/B2C_1_susi` });
    await expectUnavailable(refused);
    expect((await fetch(`${refused.origin}/public`)).status).toBe(200);
    await expectUnavailable(await start({ authority: emulator.authority(emulator.flows.signUpSignIn).replace(/B2C_1_susi$/, 'B2C_1_nope') }));
  });

  it('metadata that never comes: 503 after timeoutMs, not a hang', async () => {
    const { server, origin } = await serve(() => { /* never answers */ });
    servers.push(server);
    const slow = await start({ authority: `${origin}/emulator.onmicrosoft.com/B2C_1_susi`, timeoutMs: 300 });
    const began = Date.now();
    await expectUnavailable(slow);
    expect(Date.now() - began).toBeLessThan(2000);
  });

  it('fetches the metadata again after a failure, and only once after a success', async () => {
    let calls = 0;
    const real = `${emulator.authority(emulator.flows.signUpSignIn)}/v2.0/.well-known/openid-configuration`;
    const { server, origin } = await serve((_req, res) => {
      calls += 1;
      if (calls === 1) return void res.writeHead(500).end();
      void fetch(real).then(async (r) => res.writeHead(200, { 'content-type': 'application/json' }).end(await r.text()));
    });
    servers.push(server);
    const api = await start({ authority: `${origin}/emulator.onmicrosoft.com/B2C_1_susi` });
    await expectUnavailable(api);
    expect((await hello(api)).status).toBe(200);
    expect((await hello(api)).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('keys endpoint failing: 503; once it is back: 200', async () => {
    emulator.faults.keysEndpoint = 'error500';
    const api = await start();
    await expectUnavailable(api);
    emulator.faults.keysEndpoint = 'ok';
    expect((await hello(api)).status).toBe(200);
  });

  it('faults.status answers /hello with that status, token unchecked; reset() restores', async () => {
    const api = await start();
    api.faults.status = 401;
    const unauthorized = await hello(api);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    api.faults.status = 403;
    expect((await hello(api)).headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    api.faults.status = 500;
    const failed = await fetch(`${api.origin}/hello`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'server_error' });
    expect((await fetch(`${api.origin}/public`)).status).toBe(200);
    expect(() => { api.faults.status = 200; }).toThrow(TypeError);
    api.faults.reset();
    expect((await hello(api)).status).toBe(200);
  });

  it('faults.hang holds /hello until close(), which does not wait for it', async () => {
    const api = await startSampleApi({
      port: 0, authority: emulator.authority(emulator.flows.signUpSignIn), audience: emulator.api.clientId, requiredScope: 'tasks.read', userFlows: ['B2C_1_susi'],
    });
    api.faults.hang = true;
    let settled = false;
    const held = hello(api).finally(() => { settled = true; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    const began = Date.now();
    await api.close();
    await expect(held).rejects.toThrow();
    expect(Date.now() - began).toBeLessThan(1000);
  });

  it('logs nothing per request, and never a token', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
    try {
      const api = await start();
      await hello(api);
      await fetch(`${api.origin}/hello`, { headers: { authorization: 'Bearer not-a-token' } });
      await fetch(`${api.origin}/hello`);
      await fetch(`${api.origin}/public`);
      await fetch(`${api.origin}/elsewhere`);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('refuses nonsense options with a TypeError', async () => {
    const good = { authority: emulator.authority(emulator.flows.signUpSignIn), audience: 'a', requiredScope: 'tasks.read', userFlows: ['B2C_1_susi'], port: 0 };
    for (const bad of [
      { authority: 'not a url' }, { authority: 'ftp://x/t/f' }, { authority: 'https://x.example/only-one' },
      { audience: '' }, { requiredScope: 'two words' }, { userFlows: [] }, { timeoutMs: 0 }, { clockToleranceSeconds: -1 },
    ]) {
      await expect(startSampleApi({ ...good, ...bad } as StartSampleApiOptions), JSON.stringify(bad)).rejects.toThrow(TypeError);
    }
  });
});
