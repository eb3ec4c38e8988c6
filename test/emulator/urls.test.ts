// The tenant's URL shapes, metadata and keys, as real B2C serves them.
import { afterEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { start } from './fixtures.ts';

describe('B2C URL shapes', () => {
  let emulator: Emulator | undefined;
  afterEach(() => emulator?.close());

  it('serves each flow metadata at {authority}/v2.0/.well-known/openid-configuration with B2C endpoints and one issuer', async () => {
    emulator = await start();
    const tenantId = emulator.issuer.split('/')[3]!;
    expect(emulator.issuer).toMatch(new RegExp(`^${emulator.origin}/[0-9a-f-]{36}/v2\\.0/$`));
    const issuers = new Set<unknown>();
    for (const flow of Object.values(emulator.flows)) {
      const authority = emulator.authority(flow);
      expect(authority).toBe(`${emulator.origin}/emulator.onmicrosoft.com/${flow}`);
      const response = await fetch(`${authority}/v2.0/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      const served = (await response.json()) as Record<string, unknown>;
      expect(served).toMatchObject({
        issuer: emulator.issuer,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
      expect(served.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_post', 'client_secret_basic']));
      expect(await emulator.metadata(flow)).toEqual(served);
      issuers.add(served.issuer);
    }
    expect([...issuers]).toEqual([`${emulator.origin}/${tenantId}/v2.0/`]);
  });

  it('serves one RS256 signing key with a kid at {authority}/discovery/v2.0/keys, the same for every flow', async () => {
    emulator = await start();
    const sets = await Promise.all(Object.values(emulator.flows).map(async (flow) => {
      const response = await fetch(`${emulator!.authority(flow)}/discovery/v2.0/keys`);
      return (await response.json()) as { keys: Record<string, unknown>[] };
    }));
    expect(sets[0]!.keys).toHaveLength(1);
    expect(sets[0]!.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(sets[0]!.keys[0]).not.toHaveProperty('d');
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[2]).toEqual(sets[0]);
  });

  it('takes the tenant and flow names from its options', async () => {
    emulator = await start({ tenant: 'contoso', flows: { signUpSignIn: 'B2C_1_signin', resetPassword: 'B2C_1_pwd' } });
    expect(emulator.flows).toEqual({ signUpSignIn: 'B2C_1_signin', editProfile: 'B2C_1_edit_profile', resetPassword: 'B2C_1_pwd' });
    const metadata = await emulator.metadata('B2C_1_pwd');
    expect(metadata.token_endpoint).toBe(`${emulator.origin}/contoso.onmicrosoft.com/B2C_1_pwd/oauth2/v2.0/token`);
    const unknown = await fetch(`${emulator.origin}/contoso.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(404);
    await expect(emulator.metadata('B2C_1_nope')).rejects.toThrow(/no metadata/);
  });

  it('answers an unknown tenant or path with an error page, not a stack trace', async () => {
    emulator = await start();
    for (const path of ['/other.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration', '/nothing-here', '/emulator.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/nope']) {
      const response = await fetch(`${emulator.origin}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });

  it('refuses to start without a client, or with clashing flow names', async () => {
    const { startEmulator } = await import('../../src/emulator/index.ts');
    await expect(startEmulator({ port: 0, clients: [] })).rejects.toThrow(/client/);
    await expect(start({ flows: { signUpSignIn: 'B2C_1_x', editProfile: 'b2c_1_X' } })).rejects.toThrow(/distinct/);
  });
});
