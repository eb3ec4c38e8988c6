// Access tokens for the web API, from the person's MSAL token cache: one store entry per person
// (keyed by their object id), holding the accounts of every user flow they went through.
//
// In B2C MSAL's account is `<oid>-<user flow>`: edit-profile and password reset each add an account
// of their own, with a refresh token that only their own user flow's token endpoint accepts
// (AADB2C90088 elsewhere). Redemptions therefore merge into the entry instead of replacing it, and
// a silent call uses the sign-up/sign-in account when there is one (else the newest flow's), with a
// client of that account's own user flow, so every refresh goes where its token was issued.
import { ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import type { Configuration, ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { Flow } from '../../machines/session.ts';
import type { TokenStore } from '../session/token-store.ts';
import { IdentityProblem } from './problems.ts';

/** Thrown when only a new sign-in can give a token (no refresh token, or B2C refused it). The
 *  machine reads `needsSignIn` (machines/session.ts). */
export class SignInRequired extends IdentityProblem {
  readonly needsSignIn = true;
  constructor(reason: string) {
    super(401, 'Please sign in again', 'Your sign-in has to be renewed before the API can be called.', reason);
  }
}

/** MSAL's serialized cache: each section maps an entity's key to the entity. */
type Serialized = Record<string, Record<string, { home_account_id?: string } | undefined> | undefined>;

/** The person's entry with a redemption's cache added: entities of the same account and kind
 *  replace the old ones, the other flows' accounts and refresh tokens stay. Their access tokens go:
 *  the flow may have changed what a token says (a new name), so the next call refreshes them. */
export function mergeCaches(stored: string, fresh: string): string {
  if (!stored) return fresh;
  const old = JSON.parse(stored) as Serialized;
  const added = JSON.parse(fresh) as Serialized;
  const merged: Serialized = { ...old, AccessToken: {} };
  for (const [section, entities] of Object.entries(added)) merged[section] = { ...merged[section], ...entities };
  return JSON.stringify(merged);
}

/** Which user flow's account to refresh with: sign-up/sign-in first, then the others. */
const PREFERENCE: Flow[] = ['signUpSignIn', 'resetPassword', 'editProfile'];

/** The flow and MSAL account id to use, among the accounts that hold a refresh token. */
export function chooseAccount(stored: string, oid: string, flowNames: Record<Flow, string>): { flow: Flow; homeAccountId: string } | undefined {
  const cache = JSON.parse(stored) as Serialized;
  const refreshable = new Set(Object.values(cache.RefreshToken ?? {}).map((token) => token?.home_account_id?.toLowerCase()));
  for (const flow of PREFERENCE) {
    // B2C's home account id is `<oid>-<user flow>.<tid>`; External ID's (no flow name) `<oid>.<tid>`.
    const prefix = (flowNames[flow] ? `${oid}-${flowNames[flow]}.` : `${oid}.`).toLowerCase();
    const account = Object.values(cache.Account ?? {}).find((a) => a?.home_account_id?.toLowerCase().startsWith(prefix));
    const id = account?.home_account_id;
    if (id && refreshable.has(id.toLowerCase())) return { flow, homeAccountId: id };
  }
  return undefined;
}

/** MSAL's cache plugin for one person's entry during one call: read once, written when changed. */
class PersonCache implements ICachePlugin {
  constructor(
    private readonly store: TokenStore,
    private readonly oid: string,
    private current: string,
  ) {}

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    context.tokenCache.deserialize(this.current);
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    this.current = context.tokenCache.serialize();
    await this.store.set(this.oid, this.current);
  }
}

export interface AccessTokens {
  /** A token for the API scopes: MSAL's cached one, or refreshed (always, with `forceRefresh`). */
  get(oid: string, options: { forceRefresh: boolean }): Promise<string>;
}

export function createAccessTokens(options: {
  scopes: string[];
  flowNames: Record<Flow, string>;
  msalConfig: (flow: Flow) => Promise<Configuration>;
  tokens: TokenStore;
  /** Maps an MSAL or network failure to what the person sees. */
  asProblem: (error: unknown) => IdentityProblem;
}): AccessTokens {
  const { scopes, flowNames, msalConfig, tokens, asProblem } = options;
  // One acquisition per person at a time in this process: two tabs share one refresh.
  const inFlight = new Map<string, Promise<string>>();

  async function acquire(oid: string, forceRefresh: boolean): Promise<string> {
    const stored = await tokens.get(oid).catch((error: unknown) => {
      throw asProblem(error);
    });
    const chosen = stored ? chooseAccount(stored, oid, flowNames) : undefined;
    if (!chosen) throw new SignInRequired(stored ? 'no refresh token in the cache' : 'no token cache entry');
    const config = await msalConfig(chosen.flow);
    const msal = new ConfidentialClientApplication({ ...config, cache: { cachePlugin: new PersonCache(tokens, oid, stored) } });
    try {
      const account = await msal.getTokenCache().getAccountByHomeId(chosen.homeAccountId);
      if (!account) throw new SignInRequired('the cached account could not be read');
      const result = await msal.acquireTokenSilent({ account, scopes, forceRefresh });
      if (!result.accessToken) throw new SignInRequired('the token response carried no access token');
      return result.accessToken;
    } catch (error) {
      if (error instanceof IdentityProblem) throw error;
      if (error instanceof InteractionRequiredAuthError) throw new SignInRequired(`interaction required: ${error.errorCode}`);
      // B2C's expired, revoked and wrong-flow grants (AADB2C90080, 90129, 90088) are invalid_grant.
      if (error instanceof ServerError && error.errorCode === 'invalid_grant') throw new SignInRequired(`refresh refused: ${b2cCode(error)}`);
      throw asProblem(error);
    }
  }

  return {
    get(oid, { forceRefresh }) {
      const key = `${forceRefresh}:${oid}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = acquire(oid, forceRefresh).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}

/** The AADB2C code of a refusal, for the log (never the rest of B2C's text). */
const b2cCode = (error: ServerError) => /AADB2C\d+/.exec(error.errorMessage)?.[0] ?? error.errorCode;

