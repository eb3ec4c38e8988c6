// What every External ID page request shares: its URL (`/{tenant id}/login/{interaction}`), the
// oidc-provider interaction it belongs to, its state (external-id/inbox.ts) and how it is rendered.
import type Koa from 'koa';
import type { Interaction } from 'oidc-provider';

import { EXPIRED, type PageDeps } from '../pages/interaction.ts';
import type { Tenant } from '../options.ts';
import type { PageState } from './inbox.ts';

export interface ExternalIdPage {
  interaction: Interaction;
  uid: string;
  /** The page's own URL; every step's URL hangs off it. */
  base: string;
  state: PageState;
}

export const externalIdInteractionUrl = (tenant: Tenant, uid: string): string => `/${tenant.id}/login/${uid}`;

/** The URL of each step, relative to the page's base. */
export const STEPS = {
  email: '/email', password: '/password', forgot: '/forgot', verify: '/verify', resend: '/resend',
  reset: '/reset', signUp: '/signup', details: '/signup/details',
} as const;

/** The interaction this request belongs to, or undefined after answering with an error page. */
export async function loadPage(deps: PageDeps, ctx: Koa.Context): Promise<ExternalIdPage | undefined> {
  const { tenant = '', uid = '' } = ctx.params as Record<string, string | undefined>;
  if (tenant.toLowerCase() !== deps.rt.tenant.id) {
    ctx.status = 404;
    await deps.rt.renderError(ctx, { error: 'not_found', error_description: 'There is no such page.' });
    return undefined;
  }
  let interaction: Interaction | undefined;
  try {
    interaction = await deps.provider().interactionDetails(ctx.req, ctx.res);
  } catch {
    interaction = undefined;
  }
  // The cookie names the interaction; the URL must name the same one.
  if (!interaction || interaction.uid !== uid) {
    ctx.status = 400;
    await deps.rt.renderError(ctx, EXPIRED);
    return undefined;
  }
  const base = externalIdInteractionUrl(deps.rt.tenant, uid);
  return { interaction, uid, base, state: deps.rt.inbox.state(uid) };
}

export async function render(
  deps: PageDeps, ctx: Koa.Context, page: ExternalIdPage, template: string, data: Record<string, unknown> = {}, status = 200,
): Promise<void> {
  ctx.status = status;
  const actions: Record<string, string> = { start: page.base };
  for (const [name, path] of Object.entries(STEPS)) actions[name] = `${page.base}${path}`;
  await deps.rt.renderPage(ctx, `external-id/${template}`, { actions, values: {}, errors: {}, ...data });
}

/** Back to a step of this journey (303, so a form POST becomes a GET). */
export function goTo(ctx: Koa.Context, page: ExternalIdPage, step: keyof typeof STEPS | 'start'): void {
  ctx.status = 303;
  ctx.redirect(step === 'start' ? page.base : `${page.base}${STEPS[step]}`);
}
