// IDENTITY_PROVIDER: Azure AD B2C (the tutorial's variables, one authority per user flow) or
// Microsoft Entra External ID (one AUTHORITY), told from the authority's host when unset. A
// variable of the other provider, or a mode the authority contradicts, is one line naming it.
import { describe, expect, it } from 'vitest';
import { ConfigError, EMULATOR_TENANT_ID, loadConfig } from '../../src/config.ts';

const app = {
  APP_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  APP_CLIENT_SECRET: 'tenant-secret',
  SESSION_SECRET: 'a-session-secret-that-is-long-enough-123',
  APP_REDIRECT_URI: 'http://localhost:3000/redirect',
};
const b2c = {
  ...app,
  SIGN_UP_SIGN_IN_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi',
  RESET_PASSWORD_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_reset',
  EDIT_PROFILE_POLICY_AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_edit',
  AUTHORITY_DOMAIN: 'https://contoso.b2clogin.com',
};
const externalId = { ...app, AUTHORITY: 'https://contoso.ciamlogin.com/' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the identity provider', () => {
  it('a tutorial .env is B2C, with every user flow offered', () => {
    const config = loadConfig(b2c);
    expect([config.provider, config.capabilities]).toEqual(['b2c', { editProfile: true, resetPassword: true }]);
  });

  it('a *.ciamlogin.com AUTHORITY is External ID without saying so: one authority for every flow, no profile edit, no reset flow', () => {
    const config = loadConfig(externalId);
    expect(config.provider).toBe('external-id');
    expect(config.capabilities).toEqual({ editProfile: false, resetPassword: false });
    // As MSAL reads https://<sub>.ciamlogin.com/: the tenant is <sub>.onmicrosoft.com.
    expect(Object.values(config.flows)).toEqual(Array(3).fill({ authority: 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com', name: '' }));
    expect(config.logoutEndpoint).toBe('https://contoso.ciamlogin.com/contoso.onmicrosoft.com/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000');
  });

  it.each([
    ['https://contoso.ciamlogin.com/aaaabbbb-0000-cccc-1111-dddd2222eeee', 'https://contoso.ciamlogin.com/aaaabbbb-0000-cccc-1111-dddd2222eeee'],
    ['https://contoso.ciamlogin.com/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0', 'https://contoso.ciamlogin.com/aaaabbbb-0000-cccc-1111-dddd2222eeee'],
    ['https://contoso.ciamlogin.com/contoso.onmicrosoft.com/', 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com'],
  ])('AUTHORITY %s is used as %s', (raw, authority) => {
    expect(loadConfig({ ...externalId, AUTHORITY: raw }).flows.signUpSignIn.authority).toBe(authority);
  });

  it('IDENTITY_PROVIDER=external-id with no AUTHORITY runs the built-in emulator in External ID mode (not in production)', () => {
    const config = loadConfig({ IDENTITY_PROVIDER: 'external-id' });
    expect(config.emulator).not.toBeNull();
    expect(config.flows.signUpSignIn.authority).toBe(`http://127.0.0.1:3001/${EMULATOR_TENANT_ID}`);
    expect(config.webApi?.scopes).toEqual(['api://emulator-tasks-api/tasks.read']);
    expect(refusal({ IDENTITY_PROVIDER: 'external-id', NODE_ENV: 'production', SESSION_SECRET: app.SESSION_SECRET })).toMatch(/^AUTHORITY is required when NODE_ENV=production/);
  });

  it.each([
    [{ ...externalId, SIGN_UP_SIGN_IN_POLICY_AUTHORITY: b2c.SIGN_UP_SIGN_IN_POLICY_AUTHORITY }, /^SIGN_UP_SIGN_IN_POLICY_AUTHORITY is for Azure AD B2C only/],
    [{ ...externalId, EDIT_PROFILE_POLICY_AUTHORITY: b2c.EDIT_PROFILE_POLICY_AUTHORITY }, /^EDIT_PROFILE_POLICY_AUTHORITY is for Azure AD B2C only/],
    [{ ...externalId, RESET_PASSWORD_POLICY_AUTHORITY: b2c.RESET_PASSWORD_POLICY_AUTHORITY }, /^RESET_PASSWORD_POLICY_AUTHORITY is for Azure AD B2C only/],
    [{ ...externalId, AUTHORITY_DOMAIN: 'contoso.ciamlogin.com' }, /^AUTHORITY_DOMAIN is for Azure AD B2C only/],
    [{ ...externalId, IDENTITY_PROVIDER: 'b2c' }, /^IDENTITY_PROVIDER is b2c, but the authority is an External ID one/],
    // A ciamlogin.com host in the tutorial's variable: External ID, which reads AUTHORITY instead.
    [{ ...b2c, SIGN_UP_SIGN_IN_POLICY_AUTHORITY: 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com/B2C_1_susi' }, /^SIGN_UP_SIGN_IN_POLICY_AUTHORITY is for Azure AD B2C only: with External ID, AUTHORITY is the one authority/],
    [{ ...app, IDENTITY_PROVIDER: 'external-id', AUTHORITY: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com' }, /^AUTHORITY is a B2C authority/],
    [{ ...b2c, AUTHORITY: 'https://login.example.com/tenant' }, /^AUTHORITY is read only when IDENTITY_PROVIDER=external-id/],
    [{ ...externalId, IDENTITY_PROVIDER: 'entra' }, /^IDENTITY_PROVIDER must be b2c or external-id \(got "entra"\)$/],
    [{ ...externalId, AUTHORITY: 'https://contoso.ciamlogin.com/a/b' }, /^AUTHORITY must look like https:\/\/<subdomain>\.ciamlogin\.com\//],
    [{ ...app, IDENTITY_PROVIDER: 'external-id', AUTHORITY: 'https://login.example.com/' }, /^AUTHORITY must name the tenant/],
    [{ ...externalId, AUTHORITY: 'http://contoso.ciamlogin.com/' }, /^AUTHORITY must be an https URL/],
  ])('refuses %o with one line naming the variable', (env, message) => {
    const line = refusal(env as Record<string, string>);
    expect(line).toMatch(message);
    expect(line).not.toContain('\n');
  });
});
