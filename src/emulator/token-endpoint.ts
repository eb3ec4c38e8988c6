// Runs around oidc-provider's token endpoint: the delay and the token-endpoint faults before it;
// after it the client_info (B2C's or Entra's), the web API's access token, the record of each refresh token issued
// and the ID-token faults; and, whatever happened, a line in rt.tokenRequests.
import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { signAccessToken } from './access-tokens.ts';
import { grantedApiScopes } from './api.ts';
import { ACCOUNT_GONE } from './b2c-errors.ts';
import { clientInfo } from './claims.ts';
import { signExternalIdAccessToken } from './external-id/access-token.ts';
import { externalIdClientInfo, withPairwiseSub } from './external-id/claims.ts';
import { THROTTLED_RETRY_AFTER_SECONDS, spoilIdToken } from './faults.ts';
import { flowOfRequest } from './flow-routes.ts';
import type { RecordedTokenRequest } from './options.ts';
import type { Runtime } from './runtime.ts';

const TOKEN_PATH = '/oauth2/v2.0/token';
/** rt.tokenRequests keeps this many, newest last. */
const KEEP_REQUESTS = 1000;

export function tokenEndpointMiddleware(rt: Runtime) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>): Promise<void> => {
    if (ctx.method !== 'POST' || ctx.path !== TOKEN_PATH) {
      await next();
      return;
    }
    const flow = flowOfRequest(ctx.req) ?? '';
    // The delay comes first; afterwards the request meets the faults in force then, as any other.
    const delayMs = rt.faults.tokenEndpointDelayMs;
    if (!(await rt.faults.holdTokenRequest(rt.closed))) return;
    const remember = (entry: RecordedTokenRequest): void => record(rt, delayMs > 0 ? { ...entry, delayMs } : entry);
    const fault = rt.faults.tokenEndpoint;
    if (fault === 'hang') {
      await rt.closed;
      return;
    }
    if (fault !== 'ok') {
      // oidc-provider never sees this request, so the form is read here, for the record only.
      const form = await readForm(ctx.req);
      if (fault === 'error500') {
        ctx.status = 500;
        ctx.body = { error: 'server_error', error_description: 'The emulator was told to fail (error500 fault).' };
      } else if (fault === 'error429') {
        ctx.status = 429;
        ctx.set('Retry-After', String(THROTTLED_RETRY_AFTER_SECONDS));
        ctx.body = { error: 'temporarily_unavailable', error_description: 'The emulator was told to throttle (error429 fault).' };
      } else {
        ctx.status = 200;
        ctx.type = 'application/json';
        ctx.body = '{"token_type":"Bearer","id_token":';
      }
      remember({ grantType: form.get('grant_type') ?? '', flow, status: ctx.status, scope: form.get('scope') ?? undefined });
      return;
    }

    try {
      await next();
      await completeResponse(ctx, rt, flow);
    } finally {
      const form = ctx.oidc?.body;
      remember({ grantType: stringOr(form?.grant_type, ''), flow, status: ctx.status, scope: stringOr(form?.scope, undefined) });
    }
  };
}

async function completeResponse(ctx: KoaContextWithOIDC, rt: Runtime, flow: string): Promise<void> {
  const body = ctx.body as Record<string, unknown> | undefined;
  if (ctx.status !== 200 || !body || typeof body !== 'object') return;
  const { Account: account, AccessToken: accessToken, RefreshToken: refreshToken, Client: client } = ctx.oidc.entities;
  const accountId = account?.accountId;
  const externalId = rt.tenant.mode === 'external-id';
  // MSAL asks for client_info=1 and builds its account (homeAccountId) from it.
  if (ctx.oidc.body?.client_info === '1' && accountId && flow) {
    body.client_info = externalId ? externalIdClientInfo(accountId, rt.tenant.id) : clientInfo(accountId, flow, rt.tenant.id);
  }

  const apiScopes = grantedApiScopes(accessToken?.scope, rt.api);
  if (apiScopes.length > 0 && accountId && client) {
    const found = await rt.accounts.findById(accountId);
    if (!found) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: rt.describe(ACCOUNT_GONE) };
      return;
    }
    const lifetimeSeconds = rt.lifetimes.accessTokenSeconds;
    const input = { issuer: ctx.oidc.issuer, account: found, clientId: client.clientId, flow, scopes: apiScopes, lifetimeSeconds };
    body.access_token = externalId
      ? await signExternalIdAccessToken(rt.signingKey, rt.api, rt.tenant.id, input)
      : await signAccessToken(rt.signingKey, rt.api, input);
    body.expires_in = lifetimeSeconds;
    // As B2C writes it: the API scopes granted, full form, then offline_access; never openid.
    body.scope = [...apiScopes, ...(typeof body.refresh_token === 'string' ? ['offline_access'] : [])].join(' ');
  }

  // Recorded for refresh-tokens.ts: which flow issued it, to whom, and when it expires in B2C terms.
  if (typeof body.refresh_token === 'string' && refreshToken && accountId) {
    rt.refreshTokens.record(refreshToken.jti, { flow, accountId }, rt.lifetimes.refreshTokenSeconds);
  }

  if (externalId && typeof body.id_token === 'string' && client) {
    body.id_token = await withPairwiseSub(body.id_token, rt.signingKey, rt.tenant.id, client.clientId);
  }
  const idTokenFault = rt.faults.idToken;
  if (idTokenFault && typeof body.id_token === 'string') {
    body.id_token = await spoilIdToken(body.id_token, idTokenFault, rt.signingKey, Object.values(rt.tenant.flows).filter(Boolean));
  }
}

function record(rt: Runtime, entry: RecordedTokenRequest): void {
  if (entry.scope === undefined) delete entry.scope;
  rt.tokenRequests.push(entry);
  if (rt.tokenRequests.length > KEEP_REQUESTS) rt.tokenRequests.splice(0, rt.tokenRequests.length - KEEP_REQUESTS);
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

/** A form body read to its end, only its first 64 KB kept (a fault answers it anyway). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= 65536) chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
