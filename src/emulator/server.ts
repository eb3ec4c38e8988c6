// Puts the pieces together: one Koa front app (pages, logout, assets) in front of one oidc-provider
// mounted under every user flow's authority, on its own HTTP or HTTPS server.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import Koa from 'koa';

import { InMemoryAccountStore, seedAccount } from './accounts.ts';
import { MemoryStorage } from './adapter.ts';
import { resolveApi } from './api.ts';
import { b2cDescription } from './b2c-errors.ts';
import { entraDescription } from './external-id/errors.ts';
import { Inbox } from './external-id/inbox.ts';
import { externalIdPageRoutes } from './external-id/pages.ts';
import { Faults } from './faults.ts';
import { matchAuthority, mountProvider, type RequestHandler } from './flow-routes.ts';
import { Journeys } from './journeys.ts';
import { tokenLifetimes } from './lifetimes.ts';
import { Lockouts, lockoutSettings } from './lockout.ts';
import { logoutHandler } from './logout.ts';
import { DEMO_USER, resolveTenant, validateClients, type Emulator, type EmulatorOptions } from './options.ts';
import { pageRoutes } from './pages/routes.ts';
import { b2cNotFound, bootstrapAsset, createRenderer } from './pages/render.ts';
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
  const externalId = tenant.mode === 'external-id';
  const renderer = createRenderer(tenant.name, externalId ? 'Microsoft Entra External ID' : 'Azure AD B2C');

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
    requirePkce: options.requirePkce ?? true,
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
    }, () => refreshTokens.issued, () => lockouts.clear(), externalId),
    inbox: new Inbox(options.inboxLog ?? ((line) => console.log(line))),
    describe: externalId ? (message) => entraDescription(message) : (message) => b2cDescription(message),
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
  app.use(externalId ? externalIdPageRoutes({ rt, provider }) : pageRoutes({ rt, provider }));
  const logout = logoutHandler(rt, provider);
  app.use(async (ctx, next) => {
    const found = matchAuthority(tenant, ctx.path, ctx.querystring);
    if (found?.rest === ROUTES.end_session && ctx.method === 'GET') return logout(ctx, found.flow);
    if (found?.rest === ROUTES.jwks && rt.faults.keysEndpoint === 'error500') {
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'The emulator was told to fail (keysEndpoint fault).' };
      return;
    }
    return next();
  });
  app.use(mountProvider(tenant, () => live().handle));
  // An unknown tenant or user flow, or no flow at all: B2C's own 404.
  app.use(b2cNotFound);

  const tls = options.https ? await loadTls(options.https.certDir) : undefined;
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, app.callback()) : createServer(app.callback());
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, host, options.port ?? 3001);
  // Over https every URL names localhost, the name MSAL's authority, the certificate and the
  // issuer check all agree on (the certificate also covers 127.0.0.1 and ::1 for other clients).
  const origin = tls ? `https://localhost:${port}` : `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  issuer = externalId ? externalIdIssuer(origin, tenant.id, options.ciamloginIssuer === true) : `${origin}/${tenant.id}/v2.0/`;
  build();

  // External ID has one authority, whatever flow is named; its discovery is under it, not under /v2.0.
  const authority = externalId
    ? (): string => `${origin}/${tenant.id}/v2.0`
    : (flow: string = tenant.flows.signUpSignIn): string => `${origin}/${tenant.domain}/${flow}`;
  const metadataUrl = (flow?: string): string =>
    externalId ? `${authority()}/.well-known/openid-configuration` : `${authority(flow)}/v2.0/.well-known/openid-configuration`;
  return {
    mode: tenant.mode,
    tenantId: tenant.id,
    origin,
    caCertPath: tls?.caCertPath ?? null,
    issuer,
    flows: { ...tenant.flows },
    authority,
    async metadata(flow) {
      const { status, body } = await getJson(metadataUrl(flow), tls?.ca);
      if (status !== 200) throw new Error(`no metadata for ${externalId ? 'the authority' : `user flow ${flow}`} (HTTP ${status})`);
      return body;
    },
    demoUser: { ...DEMO_USER },
    accounts,
    api: { clientId: api.clientId, name: api.name, scopes: [...api.scopes] },
    lifetimes,
    lockout: lockouts.settings,
    tokenRequests: rt.tokenRequests,
    faults: rt.faults,
    inbox: rt.inbox.messages,
    close: () => stop(server, release),
  };
}

/** The authority itself, or the issuer a real tenant names: its id as the host (EXTERNAL-ID.md). */
function externalIdIssuer(origin: string, tenantId: string, ciamlogin: boolean): string {
  return ciamlogin ? `https://${tenantId}.ciamlogin.com/${tenantId}/v2.0` : `${origin}/${tenantId}/v2.0`;
}

async function loadTls(certDir: string | undefined) {
  // Loaded only in https mode: the certificate library and its globals stay out of plain-http use.
  const { DEFAULT_CERT_DIR, ensureCertificates } = await import('./certificates.ts');
  const paths = await ensureCertificates(resolve(certDir ?? DEFAULT_CERT_DIR));
  const [cert, key, ca] = await Promise.all([readFile(paths.certPath), readFile(paths.keyPath), readFile(paths.caCertPath)]);
  return { cert, key, ca, caCertPath: paths.caCertPath };
}

/** GET a JSON document from this emulator, trusting its own CA in https mode (the global fetch
 *  need not). */
async function getJson(url: string, ca: Buffer | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  if (!ca) {
    const response = await fetch(url);
    return { status: response.status, body: response.ok ? ((await response.json()) as Record<string, unknown>) : {} };
  }
  return new Promise((done, fail) => {
    httpsGet(url, { ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          const status = res.statusCode ?? 0;
          done({ status, body: status === 200 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {} });
        } catch (err) {
          fail(err);
        }
      });
      res.on('error', fail);
    }).on('error', fail);
  });
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
