// The one OpenID provider behind every user flow, configured to behave like a B2C tenant:
// oidc-provider does all protocol work (codes, PKCE, client auth, token signing); this file only
// says what B2C says differently.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type Koa from 'koa';

import { errors, interactionPolicy, Provider } from './oidc-provider.ts';
import { GRANT_FROM_OTHER_FLOW, b2cDescription } from './b2c-errors.ts';
import { ID_TOKEN_CLAIMS, b2cClaims } from './claims.ts';
import { flowOfRequest } from './flow-routes.ts';
import { signedUp } from './journeys.ts';
import { flowKind } from './options.ts';
import { tokenEndpointMiddleware } from './token-endpoint.ts';
import type { Runtime } from './runtime.ts';

export type ProviderInstance = InstanceType<typeof Provider>;

/** Provider routes, relative to each flow's authority (the front router mounts the provider there). */
export const ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  end_session: '/oauth2/v2.0/logout',
  jwks: '/discovery/v2.0/keys',
} as const;

const COOKIE_NAMES = {
  session: 'b2c_emulator_sso',
  interaction: 'b2c_emulator_interaction',
  resume: 'b2c_emulator_resume',
};

export const CODE_TTL_SECONDS = 600;

export function createProvider(rt: Runtime, issuer: string): ProviderInstance {
  const provider = new Provider(issuer, configuration(rt));
  // The code leaves in this event; remember which flow and journey it came from (see journeys.ts).
  provider.on('authorization.success', (ctx: KoaContextWithOIDC, out?: Record<string, unknown>) => {
    if (typeof out?.code !== 'string') return;
    rt.journeys.record(out.code, { flow: String(ctx.oidc.params?.p), newUser: signedUp(ctx.oidc.result) });
  });
  provider.on('server_error', (_ctx: unknown, err: Error) => {
    console.error(`b2c emulator: server error: ${err.name}: ${err.message}`);
  });
  provider.use(tokenEndpointMiddleware(rt) as Koa.Middleware);
  return provider;
}

function configuration(rt: Runtime): Configuration {
  const { tenant } = rt;
  const policy = interactionPolicy.base();
  // B2C never asks for consent to its own app registrations.
  policy.remove('consent');
  // Profile edit and password reset show their page even to a signed-in user; sign-in does SSO.
  policy.get('login')?.checks.add(new interactionPolicy.Check(
    'b2c_user_flow_page',
    'this user flow always shows its page',
    (ctx) => flowKind(tenant, String(ctx.oidc.params?.p)) !== 'signUpSignIn' && !ctx.oidc.result?.login,
  ));

  return {
    adapter: rt.storage.adapterFor,
    clients: rt.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      // B2C always sends auth_time.
      require_auth_time: true,
    })),
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
    jwks: { keys: [rt.signingKey.privateJwk] },
    cookies: {
      keys: rt.cookieKeys,
      names: COOKIE_NAMES,
      // Lax (not Strict) so the SSO cookie rides along when the app redirects the browser here from
      // another site; not Secure because the emulator speaks plain http (a browser would drop a
      // Secure or SameSite=None cookie there).
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: { openid: [...ID_TOKEN_CLAIMS] },
    scopes: ['openid', 'offline_access', 'profile'],
    conformIdTokenClaims: false,
    extraParams: {
      // B2C's own name for the user flow; the front router sets it from the authority path.
      // Validators run last in request validation, after oidc-provider has checked the scopes.
      p(ctx, value) {
        if (!value || !flowKind(tenant, value)) throw new errors.InvalidRequest('unknown user flow');
        keepOfflineAccess(ctx);
      },
    },
    async findAccount(ctx, sub, token) {
      const account = await rt.accounts.findById(sub);
      if (!account) return undefined;
      const flow = flowOfRequest(ctx.req) ?? '';
      const journey = token?.kind === 'AuthorizationCode' ? rt.journeys.forCode(token.jti) : undefined;
      if (journey && journey.flow !== flow) {
        throw new errors.CustomOIDCProviderError('invalid_grant', b2cDescription(GRANT_FROM_OTHER_FLOW));
      }
      return { accountId: sub, claims: () => b2cClaims(account, flow, journey?.newUser ?? false) };
    },
    async loadExistingGrant(ctx) {
      // Every authorization gets a grant for what it asked, as B2C has no consent step.
      const { client, session, account } = ctx.oidc;
      if (!client || !account) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session?.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== account.accountId) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: account.accountId });
      }
      grant.addOIDCScope(ctx.oidc.requestParamOIDCScopes);
      await grant.save();
      return grant;
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `/${tenant.domain}/${String(interaction.params.p)}/api/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      claimsParameter: { enabled: false },
      // Listed in the metadata; the front router answers the logout URL itself, the B2C way.
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    responseTypes: ['code'],
    subjectTypes: ['public'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    routes: {
      authorization: ROUTES.authorization,
      token: ROUTES.token,
      end_session: ROUTES.end_session,
      jwks: ROUTES.jwks,
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: CODE_TTL_SECONDS,
      IdToken: 3600,
      Interaction: 3600,
      Session: 86400,
      Grant: 14 * 86400,
      RefreshToken: 14 * 86400,
    },
    renderError: (ctx, out) => rt.renderError(ctx, out),
  };
}

/**
 * oidc-provider drops offline_access unless prompt=consent (OIDC Core 11); B2C has no consent and
 * grants it whenever asked (MSAL always asks), so the refresh token MSAL later uses carries the
 * scopes MSAL will ask for.
 */
function keepOfflineAccess(ctx: KoaContextWithOIDC): void {
  const { params, client } = ctx.oidc;
  if (!params || !client?.grantTypeAllowed('refresh_token')) return;
  const asked = typeof ctx.query.scope === 'string' && ctx.query.scope.split(' ').includes('offline_access');
  const scopes = new Set(String(params.scope ?? '').split(' ').filter(Boolean));
  if (asked && scopes.has('openid')) params.scope = [...scopes, 'offline_access'].join(' ');
}
