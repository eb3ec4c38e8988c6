// The emulator's public types and the defaults that fill in what a caller leaves out.
import { createHash } from 'node:crypto';

import type { AccountStore } from './accounts.ts';
import type { ApiOptions, EmulatorApi } from './api.ts';
import type { FaultSwitches } from './faults.ts';
import type { TokenLifetimes } from './lifetimes.ts';
import type { LockoutSettings } from './lockout.ts';
import type { InboxMessage } from './external-id/inbox.ts';
import { resolveExternalIdTenant } from './external-id/tenant.ts';

/** Which service the emulator plays: Azure AD B2C (the default) or Microsoft Entra External ID. */
export type EmulatorMode = 'b2c' | 'external-id';

export interface UserFlows { signUpSignIn: string; editProfile: string; resetPassword: string }

export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface EmulatorOptions {
  /** 'b2c' (default): one authority per user flow. 'external-id': Entra External ID's one authority (EXTERNAL-ID.md). */
  mode?: EmulatorMode;
  /** External ID mode: the tenant's id (a GUID, lower case); default EXTERNAL_ID_TENANT_ID. Ignored in B2C mode. */
  tenantId?: string;
  /**
   * External ID mode: sign with the issuer a real tenant reports, `https://<tenant-id>.ciamlogin.com/<tenant-id>/v2.0`
   * (another host than the authority's), instead of `<authority>` itself. For proving that a client
   * reads the issuer from discovery. Default false.
   */
  ciamloginIssuer?: boolean;
  /** External ID mode: where the emulator writes its inbox lines (one-time codes); default console.log. */
  inboxLog?: (line: string) => void;
  host?: string;
  port?: number;
  tenant?: string;
  flows?: Partial<UserFlows>;
  clients: EmulatorClient[];
  accounts?: AccountStore;
  /** The tenant's one web API; defaults: clientId `emulator-tasks-api`, name `tasks-api`, scopes `tasks.read tasks.write`. */
  api?: ApiOptions;
  /** Token lifetimes in seconds; defaults B2C's (access and ID tokens 3600, refresh tokens 14 days). */
  lifetimes?: Partial<TokenLifetimes>;
  /** Smart lockout; defaults B2C's (10 wrong passwords in a row, 60 seconds, growing on repeats). */
  lockout?: Partial<LockoutSettings>;
  /**
   * Serve https, with a server certificate for localhost, 127.0.0.1 and ::1 signed by a local CA;
   * both live in `certDir` (default `.emulator-certs/` in the project), made on first use and
   * reused after. Every URL the emulator reports is then `https://localhost:<port>/...`.
   */
  https?: { certDir?: string };
  /**
   * Refuse an authorization request without an S256 PKCE challenge (default true: our app always
   * sends one, and its tests prove it). B2C asks PKCE only of single-page apps; with false a web app
   * that sends none is served as B2C serves it (Microsoft's Express tutorial sends none). A challenge
   * that is sent must be S256 either way.
   */
  requirePkce?: boolean;
}

/** One POST to a token endpoint, as the emulator answered it. */
export interface RecordedTokenRequest {
  grantType: string;
  /** The user flow whose token endpoint it was, as configured (e.g. `B2C_1_susi`). */
  flow: string;
  status: number;
  /** The `scope` parameter the request carried, if any. */
  scope?: string;
  /** faults.tokenEndpointDelayMs when the request arrived, if it was not 0. */
  delayMs?: number;
}

export interface DemoUser { email: string; password: string; givenName: string; surname: string }

export interface Emulator {
  mode: EmulatorMode;
  /** The directory (tenant) id: in B2C's issuer and client_info; External ID's `tid`. */
  tenantId: string;
  /** `http://<host>:<port>`, or in https mode `https://localhost:<port>` (the certificate's name). */
  origin: string;
  /** The local CA's certificate (PEM, absolute path) that clients must trust in https mode; null over http. */
  caCertPath: string | null;
  issuer: string;
  /** External ID mode: `{ signUpSignIn: EXTERNAL_ID_FLOW, editProfile: '', resetPassword: '' }` (no such flows). */
  flows: UserFlows;
  /** B2C: the flow's authority (sign-up/sign-in when none is named). External ID: the one authority, `<origin>/<tenant-id>/v2.0`, whatever is passed. */
  authority(flow?: string): string;
  /** The authority's discovery document (External ID: the argument is ignored). */
  metadata(flow?: string): Promise<Record<string, unknown>>;
  demoUser: DemoUser;
  accounts: AccountStore;
  /** The registered web API, its scopes in B2C's full form (`https://<tenant>.onmicrosoft.com/<name>/<scope>`). */
  api: EmulatorApi;
  /** Token lifetimes, changeable at run time (TypeError on nonsense); a change applies to tokens issued after it. */
  lifetimes: TokenLifetimes;
  /** The smart lockout settings in force (fixed at start). */
  lockout: Readonly<LockoutSettings>;
  /** The last 1000 answered POSTs to any token endpoint, oldest first. */
  tokenRequests: RecordedTokenRequest[];
  faults: FaultSwitches;
  /** External ID mode: the one-time codes "sent" so far, oldest first (the last 100); always empty in B2C mode. */
  inbox: readonly InboxMessage[];
  close(): Promise<void>;
}

export type FlowKind = keyof UserFlows;

export const DEFAULT_FLOWS: UserFlows = {
  signUpSignIn: 'B2C_1_susi',
  editProfile: 'B2C_1_edit_profile',
  resetPassword: 'B2C_1_reset_password',
};

export const DEMO_USER: DemoUser = {
  email: 'demo@example.com',
  password: 'Passw0rd!',
  givenName: 'Demo',
  surname: 'User',
};

/** Everything the emulator needs to know about its tenant, resolved once at start. */
export interface Tenant {
  mode: EmulatorMode;
  /** `contoso` in `contoso.onmicrosoft.com`. */
  name: string;
  /** The directory id B2C puts in the issuer and in client_info's `utid`. */
  id: string;
  /** The path segment every authority starts with: `contoso.onmicrosoft.com`. */
  domain: string;
  flows: UserFlows;
}

export function resolveTenant(options: EmulatorOptions): Tenant {
  const mode = options.mode ?? 'b2c';
  if (mode !== 'b2c' && mode !== 'external-id') throw new TypeError(`mode must be "b2c" or "external-id", got ${JSON.stringify(mode)}`);
  const name = options.tenant ?? 'emulator';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(name)) {
    throw new TypeError(`tenant must be a plain tenant name such as "contoso", got ${JSON.stringify(name)}`);
  }
  if (mode === 'external-id') return resolveExternalIdTenant(name, options.tenantId);
  const flows = { ...DEFAULT_FLOWS, ...options.flows };
  const names = Object.values(flows);
  for (const flow of names) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(flow)) throw new TypeError(`invalid user flow name ${JSON.stringify(flow)}`);
  }
  if (new Set(names.map((flow) => flow.toLowerCase())).size !== names.length) {
    throw new TypeError('the three user flows need distinct names');
  }
  return { mode, name, id: tenantGuid(name), domain: `${name}.onmicrosoft.com`, flows };
}

/** A stable GUID per tenant name, so the issuer survives restarts as a real tenant's does. */
function tenantGuid(name: string): string {
  const hex = createHash('sha256').update(`b2c-emulator:${name.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Which of the three flows a (case-insensitive, as in B2C) flow name from a URL is, if any. */
export function flowKind(tenant: Tenant, flow: string): FlowKind | undefined {
  const wanted = flow.toLowerCase();
  for (const [kind, name] of Object.entries(tenant.flows) as [FlowKind, string][]) {
    if (name.toLowerCase() === wanted) return kind;
  }
  return undefined;
}

export function validateClients(clients: EmulatorClient[]): void {
  if (!Array.isArray(clients) || clients.length === 0) throw new TypeError('at least one client must be registered');
  for (const client of clients) {
    if (!client.clientId || !client.clientSecret) throw new TypeError('every client needs a clientId and a clientSecret');
    if (!client.redirectUris?.length) throw new TypeError(`client ${client.clientId} needs at least one redirect URI`);
    for (const uri of [...client.redirectUris, ...(client.postLogoutRedirectUris ?? [])]) new URL(uri);
  }
}
