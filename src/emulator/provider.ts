// The one OpenID provider behind every user flow, configured to behave like a B2C tenant:
// oidc-provider does all protocol work (codes, PKCE, client auth, token signing); this file only
// says what B2C says differently.
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type Koa from 'koa';

import { errors, interactionPolicy, Provider } from './oidc-provider.ts';
import { refusedScopes } from './api.ts';
import { GRANT_FROM_OTHER_FLOW } from './b2c-errors.ts';
import { ID_TOKEN_CLAIMS, b2cClaims } from './claims.ts';
import { EXTERNAL_ID_TOKEN_CLAIMS, externalIdClaims } from './external-id/claims.ts';
import { externalIdInteractionUrl } from './external-id/page.ts';
import { discoveryMiddleware } from './discovery.ts';
import { flowOfRequest } from './flow-routes.ts';
import { signedUp } from './journeys.ts';
import { flowKind } from './options.ts';
import { EXPIRED_GRACE_SECONDS, refreshTokenRefusal } from './refresh-tokens.ts';
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
/** B2C's refresh-token sliding window (90 days by default): how long one sign-in's grant lasts. */
const GRANT_TTL_SECONDS = 90 * 86400 + EXPIRED_GRACE_SECONDS;

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
  provider.use(discoveryMiddleware(rt.tenant.mode) as Koa.Middleware);
  return provider;
}

function configuration(rt: Runtime): Configuration {
  const { tenant } = rt;
  const externalId = tenant.mode === 'external-id';
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
      // B2C always sends auth_time; Entra's v2.0 ID tokens do not, unless asked.
      require_auth_time: !externalId,
    })),
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
    jwks: { keys: [rt.signingKey.privateJwk] },
    cookies: {
      keys: rt.cookieKeys,
      names: COOKIE_NAMES,
      // Lax (not Strict) so the SSO cookie rides along when the app redirects the browser here from
      // another site. Secure only in https mode: oidc-provider adds it when the request is https (a
      // browser would drop a Secure or SameSite=None cookie on plain http).
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: { openid: externalId ? [...EXTERNAL_ID_TOKEN_CLAIMS] : [...ID_TOKEN_CLAIMS] },
    // The API's scopes are known to oidc-provider, so it keeps them through the interaction, in the
    // grant, the code and the refresh token (and checks a refresh asks for no more); the token
    // endpoint turns them into the API's access token (token-endpoint.ts).
    scopes: ['openid', 'offline_access', 'profile', ...rt.api.scopes],
    conformIdTokenClaims: false,
    extraParams: {
      // B2C's own name for the user flow; the front router sets it from the authority path.
      // Validators run last in request validation, after oidc-provider has checked the scopes.
      p(ctx, value) {
        if (!value || !flowKind(tenant, value)) throw new errors.InvalidRequest('unknown user flow');
        // oidc-provider silently drops scopes it does not know; B2C refuses another API's.
        const refused = refusedScopes(requestedScope(ctx), rt.api, rt.describe);
        if (refused) throw new errors.CustomOIDCProviderError('invalid_request', refused);
        keepOfflineAccess(ctx);
      },
    },
    async findAccount(ctx, sub, token) {
      const flow = flowOfRequest(ctx.req) ?? '';
      // Runs after oidc-provider has authenticated the client and found the token it issued.
      if (token?.kind === 'RefreshToken') {
        const refusal = refreshTokenRefusal(rt.refreshTokens, rt.faults, token.jti, flow);
        if (refusal) throw new errors.CustomOIDCProviderError('invalid_grant', rt.describe(refusal));
      }
      const account = await rt.accounts.findById(sub);
      if (!account) return undefined;
      const journey = token?.kind === 'AuthorizationCode' ? rt.journeys.forCode(token.jti) : undefined;
      if (journey && journey.flow !== flow) {
        throw new errors.CustomOIDCProviderError('invalid_grant', rt.describe(GRANT_FROM_OTHER_FLOW));
      }
      if (externalId) return { accountId: sub, claims: () => externalIdClaims(account, tenant.id) };
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
      url: (_ctx, interaction) => (externalId
        ? externalIdInteractionUrl(tenant, interaction.uid)
        : `/${tenant.domain}/${String(interaction.params.p)}/api/${interaction.uid}`),
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
    pkce: { required: () => rt.requirePkce },
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
    // B2C issues a new refresh token at every refresh; the old one stays valid (see adapter.ts).
    rotateRefreshToken: true,
    ttl: {
      // B2C's one setting covers access and ID tokens.
      AccessToken: () => rt.lifetimes.accessTokenSeconds,
      AuthorizationCode: CODE_TTL_SECONDS,
      IdToken: () => rt.lifetimes.accessTokenSeconds,
      Interaction: 3600,
      Session: 86400,
      Grant: GRANT_TTL_SECONDS,
      // The B2C lifetime is enforced from refresh-tokens.ts; oidc-provider keeps the token a day
      // longer so that an expired one is refused as expired, not as unknown.
      RefreshToken: () => rt.lifetimes.refreshTokenSeconds + EXPIRED_GRACE_SECONDS,
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
  const asked = requestedScope(ctx)?.split(' ').includes('offline_access') ?? false;
  const scopes = new Set(String(params.scope ?? '').split(' ').filter(Boolean));
  if (asked && scopes.has('openid')) params.scope = [...scopes, 'offline_access'].join(' ');
}

/** The scope parameter as the authorization request sent it (query, or form body for a POST). */
function requestedScope(ctx: KoaContextWithOIDC): string | undefined {
  const scope = ctx.method === 'POST' ? ctx.oidc.body?.scope : ctx.query.scope;
  return typeof scope === 'string' ? scope : undefined;
}
