// B2C addresses one tenant through one authority per user flow: `/{tenant}.onmicrosoft.com/{flow}`.
// This front router mounts the single oidc-provider under every flow's authority, the way koa-mount
// or Express would (req.url stripped, req.originalUrl kept), so every URL the provider builds
// (metadata endpoints, resume URLs, cookie paths) stays under the authority the request came in on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';

import { flowKind, type FlowKind, type Tenant } from './options.ts';

export interface AuthorityMatch {
  /** The flow's configured name, whatever the case in the URL. */
  flow: string;
  kind: FlowKind;
  /** The authority path as requested, e.g. `/contoso.onmicrosoft.com/B2C_1_susi`. */
  mountPath: string;
  /** What follows it, e.g. `/oauth2/v2.0/token`. */
  rest: string;
}

export function matchAuthority(tenant: Tenant, path: string): AuthorityMatch | undefined {
  const match = /^(\/([^/]+)\/([^/]+))(\/.*)?$/.exec(path);
  if (!match) return undefined;
  const [, mountPath = '', tenantSegment = '', flowSegment = '', rest = '/'] = match;
  // B2C accepts the tenant's domain or its id in the path.
  const segment = tenantSegment.toLowerCase();
  if (segment !== tenant.domain.toLowerCase() && segment !== tenant.id) return undefined;
  const kind = flowKind(tenant, flowSegment);
  if (!kind) return undefined;
  return { flow: tenant.flows[kind], kind, mountPath, rest };
}

/** The user flow whose authority a request to the provider came in through. */
const requestFlows = new WeakMap<IncomingMessage, string>();
export const flowOfRequest = (req: IncomingMessage): string | undefined => requestFlows.get(req);

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** B2C serves metadata under `/v2.0/`; oidc-provider at the root of its mount. */
const METADATA_PATH = '/v2.0/.well-known/openid-configuration';

export function mountProvider(tenant: Tenant, handler: () => RequestHandler): Koa.Middleware {
  return async (ctx, next) => {
    const found = matchAuthority(tenant, ctx.path);
    if (!found) {
      await next();
      return;
    }
    const url = new URL(ctx.url, 'http://emulator.invalid');
    url.pathname = found.rest === METADATA_PATH ? '/.well-known/openid-configuration' : found.rest;
    if (url.pathname === '/oauth2/v2.0/authorize') url.searchParams.set('p', found.flow);
    const inner = `${url.pathname}${url.search}`;

    requestFlows.set(ctx.req, found.flow);
    // oidc-provider derives its mount path from originalUrl minus url.
    (ctx.req as IncomingMessage & { originalUrl?: string }).originalUrl = `${found.mountPath}${inner}`;
    ctx.req.url = inner;
    ctx.respond = false;
    await handler()(ctx.req, ctx.res);
  };
}
