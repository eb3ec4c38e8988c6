// Renders the emulator's Nunjucks pages (views/emulator) and serves Bootstrap from node_modules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import nunjucks from 'nunjucks';

import type { ErrorOut } from '../runtime.ts';

const VIEWS = fileURLToPath(new URL('../../../views/emulator', import.meta.url));
export const BOOTSTRAP_PATH = '/static/bootstrap.min.css';

// No scripts at all; styles only from here (Bootstrap's data: SVG icons included).
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

export interface Renderer {
  page(ctx: Koa.Context, template: string, data: Record<string, unknown>): void;
  error(ctx: Koa.Context, out: ErrorOut): void;
}

/** `product`: the service the pages say they emulate ('Azure AD B2C' or 'Microsoft Entra External ID'). */
export function createRenderer(tenantName: string, product = 'Azure AD B2C'): Renderer {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS), { autoescape: true, throwOnUndefined: false });
  const page = (ctx: Koa.Context, template: string, data: Record<string, unknown>): void => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.body = env.render(template, { tenantName, product, bootstrapHref: BOOTSTRAP_PATH, ...data });
  };
  return {
    page,
    error(ctx, out) {
      if (ctx.status < 400) ctx.status = 400;
      page(ctx, 'error.njk', { error: out.error, description: out.error_description ?? '' });
    },
  };
}

/** What B2C answers for a URL naming no user flow it has (unknown policy or tenant, or none at all):
 *  404 with its web server's HTML page, before any OAuth handling, so no redirect and no JSON. */
export function b2cNotFound(ctx: Koa.Context): void {
  ctx.status = 404;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>404 - File or directory not found.</title></head>'
    + '<body><h1>Server Error</h1><h2>404 - File or directory not found.</h2>'
    + '<p>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</p>'
    + '</body></html>\n';
}

let bootstrapCss: Promise<Buffer> | undefined;

/** GET /static/bootstrap.min.css, from the installed bootstrap package: no CDN. */
export const bootstrapAsset: Koa.Middleware = async (ctx, next) => {
  if (ctx.path !== BOOTSTRAP_PATH || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
    await next();
    return;
  }
  const file = createRequire(import.meta.url).resolve('bootstrap/dist/css/bootstrap.min.css');
  bootstrapCss ??= readFile(file);
  ctx.type = 'text/css';
  ctx.set('Cache-Control', 'public, max-age=86400');
  ctx.body = await bootstrapCss;
};
