// emulator.tokenRequests: what reached the token endpoints, for tests that must see a refresh happen.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { apiTokens, codeGrant, demoCode, refreshGrant, start, tokenRequest } from './fixtures.ts';

describe('emulator.tokenRequests', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  it('records each POST with its grant type, flow, status and the scope it asked for', async () => {
    expect(emulator.tokenRequests).toEqual([]);
    const tokens = await apiTokens(emulator, [emulator.api.scopes[0]!]);
    await tokenRequest(emulator, emulator.flows.signUpSignIn, refreshGrant(tokens.refresh_token, { scope: 'openid' }));
    await tokenRequest(emulator, emulator.flows.editProfile, refreshGrant(tokens.refresh_token));
    await tokenRequest(emulator, emulator.flows.signUpSignIn, { grant_type: 'password' });
    expect(emulator.tokenRequests).toEqual([
      { grantType: 'authorization_code', flow: emulator.flows.signUpSignIn, status: 200 },
      { grantType: 'refresh_token', flow: emulator.flows.signUpSignIn, status: 200, scope: 'openid' },
      { grantType: 'refresh_token', flow: emulator.flows.editProfile, status: 400 },
      { grantType: 'password', flow: emulator.flows.signUpSignIn, status: expect.any(Number) },
    ]);
  });

  it('records requests a token-endpoint fault answered', async () => {
    const { code, verifier } = await demoCode(emulator);
    emulator.faults.tokenEndpoint = 'error500';
    await tokenRequest(emulator, emulator.flows.signUpSignIn, codeGrant(code, verifier, { scope: 'openid' }));
    emulator.faults.tokenEndpoint = 'malformed';
    await fetch(`${emulator.authority(emulator.flows.signUpSignIn)}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) });
    expect(emulator.tokenRequests).toEqual([
      { grantType: 'authorization_code', flow: emulator.flows.signUpSignIn, status: 500, scope: 'openid' },
      { grantType: 'refresh_token', flow: emulator.flows.signUpSignIn, status: 200 },
    ]);
  });

  it('keeps the last 1000', async () => {
    const url = `${emulator.authority(emulator.flows.signUpSignIn)}/oauth2/v2.0/token`;
    for (let batch = 0; batch < 21; batch += 1) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(url, {
        method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', scope: `n${batch * 50 + i}` }),
      }).then((response) => response.arrayBuffer())));
    }
    expect(emulator.tokenRequests).toHaveLength(1000);
    const numbers = emulator.tokenRequests.map((r) => Number(r.scope?.slice(1)));
    expect(Math.min(...numbers)).toBe(50);
    expect(Math.max(...numbers)).toBe(1049);
  });
});
