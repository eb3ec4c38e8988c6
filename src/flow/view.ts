// /_flow, for developers (never in production): the statechart drawn by Mermaid, this browser's
// current state highlighted and its recent events listed. Event names and state names only: never
// a callback parameter, a token or a claim. The chart is too big to read whole on a laptop's
// screen, so the page (./assets/flow.js) shows it at a readable scale around the current state,
// with pan, zoom and an overview map.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Context, Middleware } from 'koa';
import type { StateValue } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import { CSP_DIRECTIVES } from '../http/security-headers.ts';
import { mermaid } from './mermaid.ts';

const require = createRequire(import.meta.url);
const RECENT = 12;
/** The pages' policy (object-src and base-uri 'none' included), but Mermaid puts <style> into the
 *  SVG it draws: inline style is allowed here only. */
const FLOW_CSP = CSP_DIRECTIVES.map((d) => (d === "style-src 'self'" ? "style-src 'self' 'unsafe-inline'" : d)).join('; ');

export interface RecentEvent {
  at: string;
  event: string;
  from: string;
  to: string;
}

/** Mermaid ids of the active states, outermost first: `userFlow`, `userFlow_authorizing`, ... */
export function activeIds(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...activeIds(child!, `${prefix}${key}_`)]);
}

/** The diagram with the active leaf state filled and the states around it outlined. */
export function highlighted(value: StateValue): string {
  const ids = activeIds(value);
  return [
    mermaid(sessionMachine),
    '  classDef current fill:#ffd54f,stroke:#8a6d00,stroke-width:3px',
    '  classDef within stroke:#8a6d00,stroke-width:3px',
    ...ids.slice(0, -1).map((id) => `  class ${id} within`),
    `  class ${ids.at(-1)} current`,
  ].join('\n');
}

/** The session's last events with this request's transition added (the bridge keeps them in the
 *  session it writes, when the view is on). */
export function rememberEvent(recent: unknown, transition: Omit<RecentEvent, 'at'>): RecentEvent[] {
  return [...((recent as RecentEvent[] | undefined) ?? []), { at: new Date().toISOString(), ...transition }].slice(-RECENT);
}

/** What the view shows of a browser's session: its persisted snapshot and its recent events. */
export interface FlowSession {
  machine?: unknown;
  recent?: unknown;
}

/** The session's own, by default; `sessionOf` for sessions kept elsewhere (a visitor's cookie). */
const fromKoaSession = (ctx: Context): FlowSession | undefined => ctx.session ?? undefined;

const asset = (name: string) => () => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
/** Files of the page, read on first use (a 3.5 MB script nobody may ask for); only Mermaid's,
 *  which changes with the package, is cached by the browser. */
const FILES: Record<string, { path: () => string; type: string; cache?: true }> = {
  '/_flow/mermaid.min.js': { path: () => require.resolve('mermaid/dist/mermaid.min.js'), type: 'application/javascript', cache: true },
  '/_flow/flow.js': { path: asset('flow.js'), type: 'application/javascript' },
  '/_flow/flow.css': { path: asset('flow.css'), type: 'text/css; charset=utf-8' },
};

export function flowView({ sessionOf = fromKoaSession }: { sessionOf?: (ctx: Context) => FlowSession | undefined | Promise<FlowSession | undefined> } = {}): Middleware {
  const read = new Map<string, Promise<Buffer>>();
  return async (ctx, next) => {
    const file = FILES[ctx.path];
    if (file) {
      if (!read.has(ctx.path)) read.set(ctx.path, readFile(file.path()));
      ctx.type = file.type;
      if (file.cache) ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = await read.get(ctx.path);
      return;
    }
    if (ctx.path !== '/_flow') return next();
    const session = await sessionOf(ctx);
    const value = (session?.machine as { value?: StateValue } | undefined)?.value ?? 'signedOut';
    ctx.set('Content-Security-Policy', FLOW_CSP);
    await ctx.render('flow.njk', {
      diagram: highlighted(value),
      current: activeIds(value).at(-1)!.replaceAll('_', '.'),
      recent: [...((session?.recent as RecentEvent[] | undefined) ?? [])].reverse(),
    });
  };
}
