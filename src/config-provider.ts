// Which identity provider the app signs in with, from the environment: Azure AD B2C (one authority
// per user flow, the tutorial's variables) or Microsoft Entra External ID (one authority, the user
// flow attached to the app registration). Part of src/config.ts, kept apart to stay readable.
import type { Flow } from '../machines/session.ts';
import type { UserFlowConfig } from './config.ts';
import { ConfigError, read, type Env } from './config-values.ts';

export type IdentityProvider = 'b2c' | 'external-id';

/** What the provider offers beyond sign-in; the statechart's guards read it. */
export interface Capabilities {
  /** A profile-editing user flow (B2C only). */
  editProfile: boolean;
  /** A password-reset user flow of its own (B2C); External ID resets inside sign-in instead. */
  resetPassword: boolean;
}

export const CAPABILITIES: Record<IdentityProvider, Capabilities> = {
  b2c: { editProfile: true, resetPassword: true },
  'external-id': { editProfile: false, resetPassword: false },
};

export const FLOW_VARIABLES: Record<Flow, string> = {
  signUpSignIn: 'SIGN_UP_SIGN_IN_POLICY_AUTHORITY',
  editProfile: 'EDIT_PROFILE_POLICY_AUTHORITY',
  resetPassword: 'RESET_PASSWORD_POLICY_AUTHORITY',
};

/** Read in B2C mode only: set in External ID mode, each is a mistake worth a start-up error. */
const B2C_ONLY = [...Object.values(FLOW_VARIABLES), 'AUTHORITY_DOMAIN'];

const CIAM_HOST = /\.ciamlogin\.com$/i;

const hostOf = (raw: string | undefined): string | undefined => {
  if (raw === undefined) return undefined;
  try {
    return new URL(raw).hostname;
  } catch {
    return undefined;
  }
};

/** IDENTITY_PROVIDER, or what the authority's host says when it is unset; a contradiction between
 *  the two, or a variable of the other provider, is a one-line error naming the variable. */
export function identityProvider(env: Env): IdentityProvider {
  const named = read(env, 'IDENTITY_PROVIDER');
  if (named !== undefined && named !== 'b2c' && named !== 'external-id') {
    throw new ConfigError('IDENTITY_PROVIDER', `must be b2c or external-id (got "${named}")`);
  }
  const authority = read(env, 'AUTHORITY');
  const susi = read(env, FLOW_VARIABLES.signUpSignIn);
  const ciam = [authority, susi].some((raw) => CIAM_HOST.test(hostOf(raw) ?? ''));
  const provider: IdentityProvider = named ?? (ciam ? 'external-id' : 'b2c');
  if (provider === 'b2c') {
    if (ciam) throw new ConfigError('IDENTITY_PROVIDER', 'is b2c, but the authority is an External ID one (*.ciamlogin.com): set IDENTITY_PROVIDER=external-id and AUTHORITY');
    if (authority !== undefined) throw new ConfigError('AUTHORITY', 'is read only when IDENTITY_PROVIDER=external-id (B2C takes one authority per user flow: SIGN_UP_SIGN_IN_POLICY_AUTHORITY and the others)');
    return provider;
  }
  if (/\.b2clogin\.com$/i.test(hostOf(authority) ?? '')) {
    throw new ConfigError('AUTHORITY', `is a B2C authority (*.b2clogin.com) but IDENTITY_PROVIDER is external-id (got "${authority}")`);
  }
  const stray = B2C_ONLY.find((name) => read(env, name) !== undefined);
  if (stray) throw new ConfigError(stray, 'is for Azure AD B2C only: with External ID, AUTHORITY is the one authority (remove it)');
  return provider;
}

/**
 * External ID's one authority, in the form MSAL and discovery use: `https://<host>/<tenant>`, its
 * metadata at `<authority>/v2.0/.well-known/openid-configuration`. Accepts what Microsoft's
 * samples and portal give: `https://<sub>.ciamlogin.com/` (the tenant is then
 * `<sub>.onmicrosoft.com`, as MSAL assumes), `.../<tenant-id or domain>` and `.../<tenant>/v2.0`.
 */
export function externalIdAuthority(raw: string, parsed: URL): UserFlowConfig {
  const segments = parsed.pathname.split('/').filter(Boolean);
  if (segments.at(-1)?.toLowerCase() === 'v2.0') segments.pop();
  if (parsed.search || parsed.hash || segments.length > 1) {
    throw new ConfigError('AUTHORITY', `must look like https://<subdomain>.ciamlogin.com/ or https://<subdomain>.ciamlogin.com/<tenant-id> (got "${raw}")`);
  }
  const tenant = segments[0] ?? (CIAM_HOST.test(parsed.hostname) ? `${parsed.hostname.split('.')[0]}.onmicrosoft.com` : undefined);
  if (tenant === undefined) throw new ConfigError('AUTHORITY', `must name the tenant when its host is not *.ciamlogin.com (got "${raw}")`);
  // No user-flow name: External ID's tokens carry none (no tfp) to compare with.
  return { authority: `${parsed.origin}/${tenant}`, name: '' };
}
