// Puts the pieces together: one Koa front app (pages, logout, assets) in front of one oidc-provider
// mounted under every user flow's authority, on its own HTTP server.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

import { InMemoryAccountStore, seedAccount } from './accounts.ts';
import { MemoryStorage } from './adapter.ts';
import { resolveApi } from './api.ts';
import { Faults } from './faults.ts';
import { matchAuthority, mountProvider, type RequestHandler } from './flow-routes.ts';
import { Journeys } from './journeys.ts';
import { tokenLifetimes } from './lifetimes.ts';
import { Lockouts, lockoutSettings } from './lockout.ts';
import { logoutHandler } from './logout.ts';
import { DEMO_USER, resolveTenant, validateClients, type Emulator, type EmulatorOptions } from './options.ts';
import { pageRoutes } from './pages/routes.ts';
import { bootstrapAsset, createRenderer } from './pages/render.ts';
import { CODE_TTL_SECONDS, ROUTES, createProvider, type ProviderInstance } from './provider.ts';
import { RefreshTokens } from './refresh-tokens.ts';
import type { Runtime } from './runtime.ts';
import { generateSigningKey } from './signing-keys.ts';

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const tenant = resolveTenant(options);
  validateClients(options.clients);
  const api = resolveApi(options.api, tenant);
  const lifetimes = tokenLifetimes(options.lifetimes);
  const refreshTokens = new RefreshTokens();
  const lockouts = new Lockouts(lockoutSettings(options.lockout));
  const accounts = options.accounts ?? new InMemoryAccountStore();
  await seedAccount(accounts, DEMO_USER);
  const renderer = createRenderer(tenant.name);

  let release = (): void => {};
  const closed = new Promise<void>((resolve) => { release = resolve; });
  let current: { provider: ProviderInstance; handle: RequestHandler } | undefined;
  let issuer = '';
  const live = () => {
    if (!current) throw new Error('the emulator is not listening yet');
    return current;
  };
  const provider = (): ProviderInstance => live().provider;
  // A key rotation builds a new provider around the new key; all state lives in rt.storage.
  const build = (): void => {
    const built = createProvider(rt, issuer);
    current = { provider: built, handle: built.callback() as RequestHandler };
  };

  const rt: Runtime = {
    tenant,
    clients: options.clients.map((c) => ({ ...c, redirectUris: [...c.redirectUris], postLogoutRedirectUris: [...(c.postLogoutRedirectUris ?? [])] })),
    accounts,
    journeys: new Journeys(CODE_TTL_SECONDS),
    api,
    lifetimes,
    refreshTokens,
    lockouts,
    tokenRequests: [],
    faults: new Faults(async () => {
      rt.signingKey = await generateSigningKey();
      build();
    }, () => refreshTokens.issued, () => lockouts.clear()),
    storage: new MemoryStorage(),
    cookieKeys: [randomBytes(32).toString('base64url')],
    signingKey: await generateSigningKey(),
    closed,
    renderError: (ctx, out) => renderer.error(ctx, out),
    renderPage: (ctx, template, data) => renderer.page(ctx, template, data),
  };

  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // Never a stack trace or a bare 500 in the browser; the log gets the error's kind only.
      console.error(`b2c emulator: ${ctx.method} ${ctx.path}: ${err instanceof Error ? `${err.name}: ${err.message}` : 'error'}`);
      ctx.status = 500;
      renderer.error(ctx, { error: 'server_error', error_description: 'The emulator hit an unexpected error.' });
    }
  });
  app.use(bootstrapAsset);
  app.use(pageRoutes({ rt, provider }));
  const logout = logoutHandler(rt, provider);
  app.use(async (ctx, next) => {
    const found = matchAuthority(tenant, ctx.path);
    if (found?.rest === ROUTES.end_session && ctx.method === 'GET') return logout(ctx, found.flow);
    if (found?.rest === ROUTES.jwks && rt.faults.keysEndpoint === 'error500') {
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'The emulator was told to fail (keysEndpoint fault).' };
      return;
    }
    return next();
  });
  app.use(mountProvider(tenant, () => live().handle));
  app.use((ctx) => {
    ctx.status = 404;
    renderer.error(ctx, { error: 'not_found', error_description: 'There is no such page.' });
  });

  const server = createServer(app.callback());
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, host, options.port ?? 3001);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  issuer = `${origin}/${tenant.id}/v2.0/`;
  build();

  const authority = (flow: string): string => `${origin}/${tenant.domain}/${flow}`;
  return {
    origin,
    issuer,
    flows: { ...tenant.flows },
    authority,
    async metadata(flow) {
      const response = await fetch(`${authority(flow)}/v2.0/.well-known/openid-configuration`);
      if (!response.ok) throw new Error(`no metadata for user flow ${flow} (HTTP ${response.status})`);
      return (await response.json()) as Record<string, unknown>;
    },
    demoUser: { ...DEMO_USER },
    accounts,
    api: { clientId: api.clientId, name: api.name, scopes: [...api.scopes] },
    lifetimes,
    lockout: lockouts.settings,
    tokenRequests: rt.tokenRequests,
    faults: rt.faults,
    close: () => stop(server, release),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stop(server: Server, release: () => void): Promise<void> {
  release();
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive sockets and requests held open (the 'hang' fault) must not keep close() waiting.
    server.closeAllConnections();
  });
}
