// Runs around oidc-provider's token endpoint: the token-endpoint faults before it, and after it
// B2C's client_info and the ID-token faults.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { clientInfo } from './claims.ts';
import { spoilIdToken } from './faults.ts';
import { flowOfRequest } from './flow-routes.ts';
import type { Runtime } from './runtime.ts';

const TOKEN_PATH = '/oauth2/v2.0/token';

export function tokenEndpointMiddleware(rt: Runtime) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    if (ctx.method !== 'POST' || ctx.path !== TOKEN_PATH) {
      await next();
      return;
    }
    switch (rt.faults.tokenEndpoint) {
      case 'error500':
        ctx.status = 500;
        ctx.body = { error: 'server_error', error_description: 'The emulator was told to fail (error500 fault).' };
        return;
      case 'hang':
        await rt.closed;
        return;
      case 'malformed':
        ctx.status = 200;
        ctx.type = 'application/json';
        ctx.body = '{"token_type":"Bearer","id_token":';
        return;
      case 'ok':
        break;
    }

    await next();

    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status !== 200 || !body || typeof body !== 'object') return;
    const accountId = ctx.oidc.entities.Account?.accountId;
    const flow = flowOfRequest(ctx.req);
    // MSAL asks for client_info=1 and builds its account (homeAccountId) from it.
    if (ctx.oidc.body?.client_info === '1' && accountId && flow) {
      body.client_info = clientInfo(accountId, flow, rt.tenant.id);
    }
    const fault = rt.faults.idToken;
    if (fault && typeof body.id_token === 'string') {
      body.id_token = await spoilIdToken(body.id_token, fault, rt.signingKey);
    }
  };
}
