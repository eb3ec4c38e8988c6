// The discovery document as B2C writes it. oidc-provider builds it; this middleware, run around it,
// changes what B2C says differently (checked against real B2C documents, see README.md here) and,
// for a request in the query form, writes the endpoints in that form, `?p=<flow>` and all, as B2C does.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { CLAIMS_SUPPORTED } from './claims.ts';
import { externalIdShaped } from './external-id/discovery.ts';
import { routeOfRequest, type AuthorityMatch } from './flow-routes.ts';
import type { EmulatorMode } from './options.ts';

const DISCOVERY = '/.well-known/openid-configuration';
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'end_session_endpoint', 'jwks_uri'] as const;

export function discoveryMiddleware(mode: EmulatorMode = 'b2c') {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    await next();
    if (ctx.path !== DISCOVERY || ctx.status !== 200 || typeof ctx.body !== 'object' || ctx.body === null) return;
    const document = ctx.body as Record<string, unknown>;
    ctx.body = mode === 'external-id' ? externalIdShaped(document) : b2cShaped(document, routeOfRequest(ctx.req));
  };
}

function b2cShaped(document: Record<string, unknown>, route: AuthorityMatch | undefined): Record<string, unknown> {
  const shaped: Record<string, unknown> = {
    ...document,
    // B2C lists only openid, whatever else (offline_access, an API's scopes) it grants.
    scopes_supported: ['openid'],
    // B2C says pairwise, though its `sub` is the user's object id in every application.
    subject_types_supported: ['pairwise'],
    claims_supported: [...CLAIMS_SUPPORTED],
    response_modes_supported: ['query', 'fragment', 'form_post'],
  };
  if (route?.viaQuery) {
    // The provider was mounted at `{base}/{p}`; B2C's query-form endpoints are `{base}/...?p={p}`.
    const cut = route.mountPath.lastIndexOf('/');
    const base = route.mountPath.slice(0, cut);
    const p = route.mountPath.slice(cut + 1);
    for (const name of ENDPOINTS) {
      if (typeof shaped[name] !== 'string') continue;
      const url = new URL(shaped[name] as string);
      if (!url.pathname.startsWith(`${route.mountPath}/`)) continue;
      url.pathname = `${base}${url.pathname.slice(route.mountPath.length)}`;
      url.searchParams.set('p', p);
      shaped[name] = url.href;
    }
  }
  return shaped;
}
