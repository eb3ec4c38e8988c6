// The state one running emulator shares between its modules.
import type Koa from 'koa';

import type { AccountStore } from './accounts.ts';
import type { MemoryStorage } from './adapter.ts';
import type { Faults } from './faults.ts';
import type { Journeys } from './journeys.ts';
import type { EmulatorClient, Tenant } from './options.ts';
import type { SigningKey } from './signing-keys.ts';

export interface ErrorOut { error: string; error_description?: string | undefined }

export interface Runtime {
  tenant: Tenant;
  clients: EmulatorClient[];
  accounts: AccountStore;
  journeys: Journeys;
  faults: Faults;
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
