// B2C's logout (External ID's too): `{authority}/oauth2/v2.0/logout?post_logout_redirect_uri=...` ends the emulator's own
// SSO session and redirects straight back (no confirmation page), but only to a post-logout URI some
// registered client owns; anything else gets an error page, never a redirect.
import type Koa from 'koa';
import { decodeJwt } from 'jose';

import type { ProviderInstance } from './provider.ts';
import type { EmulatorClient } from './options.ts';
import type { Runtime } from './runtime.ts';

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The clients the request may be speaking for: the one it names (by client_id or id_token_hint) or all. */
function candidateClients(rt: Runtime, clientId?: string, idTokenHint?: string): EmulatorClient[] | string {
  let named = clientId;
  if (idTokenHint) {
    let aud: unknown;
    try {
      ({ aud } = decodeJwt(idTokenHint));
    } catch {
      return 'The id_token_hint is not a token this tenant issued.';
    }
    const hinted = Array.isArray(aud) ? aud[0] : aud;
    if (typeof hinted !== 'string' || (named && named !== hinted)) return 'The id_token_hint does not match the client_id.';
    named = hinted;
  }
  if (!named) return rt.clients;
  const client = rt.clients.find((c) => c.clientId === named);
  return client ? [client] : 'The client_id is not a registered application.';
}

export function logoutHandler(rt: Runtime, provider: () => ProviderInstance) {
  return async (ctx: Koa.Context, flow: string): Promise<void> => {
    const postLogout = single(ctx.query.post_logout_redirect_uri);
    const candidates = candidateClients(rt, single(ctx.query.client_id), single(ctx.query.id_token_hint));
    if (typeof candidates === 'string') {
      ctx.status = 400;
      await rt.renderError(ctx, { error: 'invalid_request', error_description: candidates });
      return;
    }
    // Entra documents the post-logout URI as one of the app's redirect URIs; B2C keeps a list of its own.
    const externalId = rt.tenant.mode === 'external-id';
    const registered = (c: EmulatorClient, uri: string) => c.postLogoutRedirectUris.includes(uri) || (externalId && c.redirectUris.includes(uri));
    if (postLogout && !candidates.some((c) => registered(c, postLogout))) {
      ctx.status = 400;
      await rt.renderError(ctx, {
        error: 'invalid_request',
        error_description: 'The post_logout_redirect_uri is not registered for this application.',
      });
      return;
    }

    const current = provider();
    const session = await current.Session.get(ctx);
    await session.destroy();
    // The session cookie is written the way oidc-provider writes it (signed, same options).
    current.createContext(ctx.req, ctx.res).cookies.set(current.cookieName('session'), null, { httpOnly: true, sameSite: 'lax', secure: ctx.secure });

    if (!postLogout) {
      await rt.renderPage(ctx, 'signed-out.njk', { flow: externalId ? undefined : flow, flowTitle: 'Sign out' });
      return;
    }
    const target = new URL(postLogout);
    const state = single(ctx.query.state);
    if (state) target.searchParams.set('state', state);
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(target.href);
  };
}
