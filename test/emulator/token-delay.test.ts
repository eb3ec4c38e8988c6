// faults.tokenEndpointDelayMs: token requests held for a while, for the app's race tests. Shown by
// order (which answer came first), never by measuring time.
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { codeGrant, demoCode, start, tokenRequest } from './fixtures.ts';

describe('faults.tokenEndpointDelayMs', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  const flow = () => emulator.flows.signUpSignIn;
  const tokenUrl = () => new URL(`${emulator.authority(flow())}/oauth2/v2.0/token`);
  /** Waits (bounded) until the emulator holds this many token requests. */
  const untilHeld = async (count: number) => {
    for (let tries = 0; tries < 500 && emulator.faults.heldTokenRequests !== count; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(emulator.faults.heldTokenRequests).toBe(count);
  };

  it('is 0 by default; a delayed request is then handled as usual, its record says so, and faults still apply', async () => {
    expect(emulator.faults.tokenEndpointDelayMs).toBe(0);
    expect(emulator.faults.heldTokenRequests).toBe(0);
    emulator.faults.tokenEndpointDelayMs = 300;
    const first = await demoCode(emulator);
    const response = await tokenRequest(emulator, flow(), codeGrant(first.code, first.verifier));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) });

    emulator.faults.tokenEndpoint = 'error500';
    const second = await demoCode(emulator);
    expect((await tokenRequest(emulator, flow(), codeGrant(second.code, second.verifier))).status).toBe(500);
    expect(emulator.tokenRequests).toEqual([
      { grantType: 'authorization_code', flow: flow(), status: 200, delayMs: 300 },
      { grantType: 'authorization_code', flow: flow(), status: 500, delayMs: 300 },
    ]);
  });

  it('a request held by the delay is answered after one sent later without it', async () => {
    const early = await demoCode(emulator);
    const late = await demoCode(emulator);
    const answered: string[] = [];

    emulator.faults.tokenEndpointDelayMs = 600_000;
    const held = tokenRequest(emulator, flow(), codeGrant(early.code, early.verifier)).then((r) => { answered.push('sent first'); return r; });
    await untilHeld(1);
    emulator.faults.tokenEndpointDelayMs = 0;
    const quick = await tokenRequest(emulator, flow(), codeGrant(late.code, late.verifier));
    answered.push('sent second');
    expect(quick.status).toBe(200);
    expect(emulator.faults.heldTokenRequests).toBe(1);

    // reset() lets the held request go on at once; it is then handled normally.
    emulator.faults.reset();
    expect((await held).status).toBe(200);
    expect(answered).toEqual(['sent second', 'sent first']);
    expect(emulator.tokenRequests).toEqual([
      { grantType: 'authorization_code', flow: flow(), status: 200 },
      { grantType: 'authorization_code', flow: flow(), status: 200, delayMs: 600_000 },
    ]);
  });

  it('reset() sets it back to 0', async () => {
    emulator.faults.tokenEndpointDelayMs = 5000;
    emulator.faults.reset();
    expect(emulator.faults.tokenEndpointDelayMs).toBe(0);
    const { code, verifier } = await demoCode(emulator);
    expect((await tokenRequest(emulator, flow(), codeGrant(code, verifier))).status).toBe(200);
    expect(emulator.tokenRequests).toEqual([{ grantType: 'authorization_code', flow: flow(), status: 200 }]);
  });

  it('close() cuts off a held request instead of waiting for it', async () => {
    const { code, verifier } = await demoCode(emulator);
    emulator.faults.tokenEndpointDelayMs = 600_000;
    const outcome = new Promise<string>((resolve) => {
      const req = request(tokenUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, () => resolve('answered'));
      req.on('error', () => resolve('cut off'));
      req.end(new URLSearchParams(codeGrant(code, verifier)).toString());
    });
    await untilHeld(1);
    // Were close() to wait out the 10-minute delay, this test would time out.
    await emulator.close();
    expect(await outcome).toBe('cut off');
    expect(emulator.faults.heldTokenRequests).toBe(0);
    expect(emulator.tokenRequests).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN, 600_001, '100'])('refuses %j (TypeError) and keeps the value it had', (value) => {
    emulator.faults.tokenEndpointDelayMs = 200;
    expect(() => { emulator.faults.tokenEndpointDelayMs = value as number; }).toThrow(TypeError);
    expect(emulator.faults.tokenEndpointDelayMs).toBe(200);
  });

  it('cannot be set over HTTP', async () => {
    const response = await fetch(`${emulator.origin}/faults`, { method: 'POST', body: new URLSearchParams({ tokenEndpointDelayMs: '1000' }) });
    expect(response.status).toBe(404);
    expect(emulator.faults.tokenEndpointDelayMs).toBe(0);
  });
});
