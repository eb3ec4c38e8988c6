// The authorization URL filled in from MSAL's template is the URL MSAL itself writes, for every
// request; a MSAL that does not pass the values through verbatim is asked every time.
import { randomBytes, randomUUID } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { authorizationUrlTemplate, type AuthorizationValues } from '../../src/identity/authorize-url.ts';

const base = 'https://tenant.b2clogin.test/tenant.onmicrosoft.com/b2c_1_susi';
const msal = new ConfidentialClientApplication({
  auth: {
    clientId: 'client-id',
    clientSecret: 'client-secret',
    authority: base,
    knownAuthorities: ['tenant.b2clogin.test'],
    authorityMetadata: JSON.stringify({
      issuer: `${base}/v2.0/`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
    }),
  },
  system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} } },
});
const make = (values: AuthorizationValues) =>
  msal.getAuthCodeUrl({ scopes: [], redirectUri: 'https://app.test/redirect', codeChallengeMethod: 'S256', ...values });
const fresh = (): AuthorizationValues => ({
  state: randomBytes(32).toString('base64url'),
  nonce: randomBytes(32).toString('base64url'),
  codeChallenge: randomBytes(32).toString('base64url'),
  correlationId: randomUUID(),
});

describe('authorizationUrlTemplate', () => {
  it("fills in exactly the URL MSAL writes for the same values", async () => {
    const { url, template } = await authorizationUrlTemplate(make);
    expect(template).toBe(true);
    for (let i = 0; i < 50; i += 1) {
      const values = fresh();
      const filled = await url(values);
      expect(filled).toBe(await make(values));
      const query = new URL(filled).searchParams;
      expect(query.get('state')).toBe(values.state);
      expect(query.get('nonce')).toBe(values.nonce);
      expect(query.get('code_challenge')).toBe(values.codeChallenge);
      expect(query.get('client-request-id')).toBe(values.correlationId);
    }
  });

  it('asks MSAL every time when it does not pass a value through verbatim', async () => {
    let calls = 0;
    const transforming = async (values: AuthorizationValues) => {
      calls += 1;
      return (await make(values)).replace(values.state, `lib.${values.state.slice(4)}`);
    };
    const { url, template } = await authorizationUrlTemplate(transforming);
    expect(template).toBe(false);
    const values = fresh();
    expect(await url(values)).toBe(await transforming(values));
    expect(calls).toBe(3);
  });

  it('asks MSAL for values that are not URL-safe as they are', async () => {
    const { url } = await authorizationUrlTemplate(make);
    const values = { ...fresh(), state: 'a b&c=d' };
    expect(await url(values)).toBe(await make(values));
  });
});
