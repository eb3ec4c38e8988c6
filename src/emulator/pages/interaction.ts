// What every page request shares: finding its oidc-provider interaction, rendering a page of the
// right flow, and ending the interaction with a sign-in or a B2C error.
import type Koa from 'koa';
import type { Interaction, InteractionResults } from 'oidc-provider';

import type { Account } from '../accounts.ts';
import { b2cDescription } from '../b2c-errors.ts';
import { matchAuthority } from '../flow-routes.ts';
import type { FlowKind } from '../options.ts';
import type { ProviderInstance } from '../provider.ts';
import type { Runtime } from '../runtime.ts';

export interface PageDeps { rt: Runtime; provider: () => ProviderInstance }

export interface PageRequest {
  interaction: Interaction;
  flow: string;
  kind: FlowKind;
  /** The page's own URL; form actions hang off it. */
  base: string;
}

const FLOW_TITLES: Record<FlowKind, string> = {
  signUpSignIn: 'Sign up or sign in',
  editProfile: 'Edit profile',
  resetPassword: 'Reset password',
};

export const EXPIRED = {
  error: 'session_expired',
  error_description: 'This sign-in page has expired or was not opened from an application. Go back to the application and try again.',
};

/** The interaction this page belongs to, or undefined after answering with an error page. */
export async function loadPage(deps: PageDeps, ctx: Koa.Context): Promise<PageRequest | undefined> {
  const { tenant: tenantSegment = '', flow: flowSegment = '', uid = '' } = ctx.params as Record<string, string | undefined>;
  const found = matchAuthority(deps.rt.tenant, `/${tenantSegment}/${flowSegment}`);
  if (!found) return notFound(deps, ctx);
  let interaction: Interaction;
  try {
    interaction = await deps.provider().interactionDetails(ctx.req, ctx.res);
  } catch {
    ctx.status = 400;
    await deps.rt.renderError(ctx, EXPIRED);
    return undefined;
  }
  // The cookie names the interaction; the URL must name the same one, under the same flow.
  if (interaction.uid !== uid || interaction.params.p !== found.flow) {
    ctx.status = 400;
    await deps.rt.renderError(ctx, EXPIRED);
    return undefined;
  }
  return { interaction, flow: found.flow, kind: found.kind, base: `${found.mountPath}/api/${uid}` };
}

export async function notFound(deps: PageDeps, ctx: Koa.Context): Promise<undefined> {
  ctx.status = 404;
  await deps.rt.renderError(ctx, { error: 'not_found', error_description: 'There is no such page.' });
  return undefined;
}

export async function render(
  deps: PageDeps, ctx: Koa.Context, page: PageRequest, template: string,
  data: Record<string, unknown>, status = 200,
): Promise<void> {
  ctx.status = status;
  const { base } = page;
  await deps.rt.renderPage(ctx, template, {
    flow: page.flow,
    flowTitle: FLOW_TITLES[page.kind],
    actions: {
      page: base, signIn: `${base}/signin`, signUp: `${base}/signup`, forgot: `${base}/forgot`,
      cancel: `${base}/cancel`, profile: `${base}/profile`, reset: `${base}/reset`,
    },
    values: {},
    errors: {},
    ...data,
  });
}

/** The account this interaction has signed in: earlier in this interaction, or by the SSO session. */
export async function signedInAccount(deps: PageDeps, page: PageRequest): Promise<Account | undefined> {
  const id = page.interaction.result?.login?.accountId ?? page.interaction.session?.accountId;
  return id ? deps.rt.accounts.findById(id) : undefined;
}

/** Records a result and sends the browser back to oidc-provider, which finishes the authorization. */
export async function finish(deps: PageDeps, ctx: Koa.Context, result: InteractionResults): Promise<void> {
  const returnTo = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/** Records a result without finishing: the next page of this flow reads it. */
export async function remember(deps: PageDeps, ctx: Koa.Context, page: PageRequest, result: InteractionResults): Promise<void> {
  await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(page.base);
}

/** Ends the authorization with B2C's access_denied and an AADB2C description, back at the redirect URI. */
export function finishWithError(deps: PageDeps, ctx: Koa.Context, message: string): Promise<void> {
  return finish(deps, ctx, { error: 'access_denied', error_description: b2cDescription(message) });
}
