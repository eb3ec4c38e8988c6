// B2C addresses one tenant through one authority per user flow, and accepts it in several forms:
//   path   /{tenant}/{flow}/...                  (what MSAL and the tutorial use)
//   query  /{tenant}/...?p={flow}                (older samples, passport-azure-ad, custom policies)
//   tfp    /tfp/{tenant}/{flow}/...  and  /tfp/{tenant}/...?p={flow}
// where {tenant} is `contoso.onmicrosoft.com` or the tenant id, and {flow} is in any letter case.
// In External ID mode there is one authority, `/{tenant}/...`, and no flow (matchExternalId).
// This front router mounts the single oidc-provider under the request's authority the way koa-mount
// or Express would (req.url stripped, req.originalUrl kept), so every URL the provider builds
// (metadata endpoints, resume URLs, cookie paths) stays in the form the request came in. A query-form
// request is mounted as if it had come in on the path form (the provider's resume URL has no room
// for `p`); discovery.ts writes its metadata back into the query form.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';

import { flowKind, type FlowKind, type Tenant } from './options.ts';

export type AuthorityForm = 'path' | 'query' | 'tfp';

export interface AuthorityMatch {
  /** The flow's configured name, whatever the case in the URL. */
  flow: string;
  kind: FlowKind;
  form: AuthorityForm;
  /** The flow came in `p`, not in the path (query form, or tfp with `p`). */
  viaQuery: boolean;
  /** The tenant segment as requested (`contoso.onmicrosoft.com` or the tenant id). */
  tenantSegment: string;
  /** The authority path the provider is mounted under, e.g. `/contoso.onmicrosoft.com/B2C_1_susi`. */
  mountPath: string;
  /** What follows it, e.g. `/oauth2/v2.0/token`. */
  rest: string;
}

/** B2C serves metadata under `/v2.0/`; oidc-provider at the root of its mount. */
export const METADATA_PATH = '/v2.0/.well-known/openid-configuration';

/** What a query-form URL may name: the endpoints the metadata lists, and the metadata itself. */
const QUERY_FORM_ROUTES = new Set([
  METADATA_PATH, '/oauth2/v2.0/authorize', '/oauth2/v2.0/token', '/oauth2/v2.0/logout', '/discovery/v2.0/keys',
]);

function isTenant(tenant: Tenant, segment: string): boolean {
  const lower = segment.toLowerCase();
  return lower === tenant.domain.toLowerCase() || lower === tenant.id;
}

/**
 * The user flow a request addresses, if any. `query` is the request's query string (with or
 * without `?`); without it only the path and tfp forms can match.
 */
export function matchAuthority(tenant: Tenant, path: string, query = ''): AuthorityMatch | undefined {
  if (tenant.mode === 'external-id') return matchExternalId(tenant, path);
  const tfp = /^\/tfp(?=\/)/i.exec(path)?.[0] ?? '';
  const match = /^\/([^/]+)(?:\/([^/]+))?(\/.*)?$/.exec(path.slice(tfp.length));
  if (!match) return undefined;
  const [, tenantSegment = '', second, tail = ''] = match;
  if (!isTenant(tenant, tenantSegment)) return undefined;
  const form: AuthorityForm = tfp ? 'tfp' : 'path';

  // The flow in the path.
  const pathKind = second === undefined ? undefined : flowKind(tenant, second);
  if (second !== undefined && pathKind) {
    return {
      flow: tenant.flows[pathKind], kind: pathKind, form, viaQuery: false, tenantSegment,
      mountPath: `${tfp}/${tenantSegment}/${second}`, rest: tail || '/',
    };
  }

  // The flow in `p`, on one of the endpoints B2C lists for that form.
  const rest = second === undefined ? '/' : `/${second}${tail}`;
  const p = new URLSearchParams(query).get('p');
  const queryKind = p ? flowKind(tenant, p) : undefined;
  if (!p || !queryKind || !QUERY_FORM_ROUTES.has(rest)) return undefined;
  return {
    flow: tenant.flows[queryKind], kind: queryKind, form: tfp ? 'tfp' : 'query', viaQuery: true, tenantSegment,
    mountPath: `${tfp}/${tenantSegment}/${p}`, rest,
  };
}

/**
 * External ID's one authority, `/{tenant id or domain}/...`, in any letter case. Always mounted at
 * the tenant id, so the endpoints discovery lists name the id however the tenant was asked for, as
 * Entra's do. The one user flow is never in the URL; the match names it all the same.
 */
function matchExternalId(tenant: Tenant, path: string): AuthorityMatch | undefined {
  const match = /^\/([^/]+)(\/.*)?$/.exec(path);
  if (!match || !isTenant(tenant, match[1] ?? '')) return undefined;
  // Entra's v1.0 metadata lives there, which the emulator does not serve; v2.0's is under /v2.0.
  if (match[2]?.toLowerCase() === '/.well-known/openid-configuration') return undefined;
  return {
    flow: tenant.flows.signUpSignIn, kind: 'signUpSignIn', form: 'path', viaQuery: false,
    tenantSegment: match[1] ?? '', mountPath: `/${tenant.id}`, rest: match[2] || '/',
  };
}

/** How a request to the provider came in (for the token endpoint, findAccount and discovery). */
const requestRoutes = new WeakMap<IncomingMessage, AuthorityMatch>();
export const flowOfRequest = (req: IncomingMessage): string | undefined => requestRoutes.get(req)?.flow;
export const routeOfRequest = (req: IncomingMessage) => requestRoutes.get(req);

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function mountProvider(tenant: Tenant, handler: () => RequestHandler): Koa.Middleware {
  return async (ctx, next) => {
    const found = matchAuthority(tenant, ctx.path, ctx.querystring);
    if (!found) {
      await next();
      return;
    }
    const url = new URL(ctx.url, 'http://emulator.invalid');
    url.pathname = found.rest === METADATA_PATH ? '/.well-known/openid-configuration' : found.rest;
    // B2C's own name for the flow: the provider needs it on the authorization request only.
    if (url.pathname === '/oauth2/v2.0/authorize') url.searchParams.set('p', found.flow);
    else url.searchParams.delete('p');
    const inner = `${url.pathname}${url.search}`;

    requestRoutes.set(ctx.req, found);
    // oidc-provider derives its mount path from originalUrl minus url.
    (ctx.req as IncomingMessage & { originalUrl?: string }).originalUrl = `${found.mountPath}${inner}`;
    ctx.req.url = inner;
    ctx.respond = false;
    await handler()(ctx.req, ctx.res);
  };
}
