// The state one running emulator shares between its modules.
import type Koa from 'koa';

import type { AccountStore } from './accounts.ts';
import type { MemoryStorage } from './adapter.ts';
import type { ApiRegistration } from './api.ts';
import type { Faults } from './faults.ts';
import type { Inbox } from './external-id/inbox.ts';
import type { Journeys } from './journeys.ts';
import type { TokenLifetimes } from './lifetimes.ts';
import type { Lockouts } from './lockout.ts';
import type { EmulatorClient, RecordedTokenRequest, Tenant } from './options.ts';
import type { RefreshTokens } from './refresh-tokens.ts';
import type { SigningKey } from './signing-keys.ts';

export interface ErrorOut { error: string; error_description?: string | undefined }

export interface Runtime {
  tenant: Tenant;
  clients: EmulatorClient[];
  /** Whether every authorization request must carry a PKCE challenge. */
  requirePkce: boolean;
  accounts: AccountStore;
  journeys: Journeys;
  /** The registered web API whose scopes get a JWT access token. */
  api: ApiRegistration;
  /** Read at every issue, so a change applies to the next token. */
  lifetimes: TokenLifetimes;
  refreshTokens: RefreshTokens;
  /** Smart lockout state per submitted email (sign-in pages). */
  lockouts: Lockouts;
  /** Every answered POST to a token endpoint, newest last (bounded, see token-endpoint.ts). */
  tokenRequests: RecordedTokenRequest[];
  faults: Faults;
  /** External ID's one-time codes and its pages' state (unused in B2C mode). */
  inbox: Inbox;
  /** An error description as the service writes it: B2C's AADB2C lines, or Entra's AADSTS ones. */
  describe(message: string): string;
  /** oidc-provider's storage; outlives a provider rebuilt for a key rotation. */
  storage: MemoryStorage;
  cookieKeys: string[];
  /** The key signing now (replaced by faults.rotateSigningKey()). */
  signingKey: SigningKey;
  /** Settles when close() starts, releasing requests the 'hang' fault holds. */
  closed: Promise<void>;
  renderError(ctx: Koa.Context, out: ErrorOut): void | Promise<void>;
  renderPage(ctx: Koa.Context, template: string, data: Record<string, unknown>): void | Promise<void>;
}
