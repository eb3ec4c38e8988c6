// Everything OAuth: one MSAL client per user flow, the authorization request (state, nonce, PKCE),
// code redemption and the ID-token checks. Nothing outside this folder touches MSAL.
import { createHash, randomUUID } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel, ServerError } from '@azure/msal-node';
import type { AuthenticationResult, Configuration } from '@azure/msal-node';
import type { Config } from '../config.ts';
import { StoreUnavailable } from '../session/redis.ts';
import { MemoryTokenStore, type TokenStore } from '../session/token-store.ts';
import type { AuthorizationStart, CallbackParams, Flow, Transaction, User } from '../../machines/session.ts';
import { randomOctets } from '../random.ts';
import { createAccessTokens, mergeCaches } from './access-tokens.ts';
import { authorizationUrlTemplate, type MakeUrl } from './authorize-url.ts';
import { createIdTokenVerifier, type IdTokenVerifier, type RealmExpectation } from './id-token.ts';
import { IdpUnavailableError, createNetworkClient, getJson } from './network.ts';
import { IdentityProblem, codeRejected, tokenRejected, unavailable } from './problems.ts';

export { IdentityProblem } from './problems.ts';
export { SignInRequired } from './access-tokens.ts';

export interface Identity {
  authorize(flow: Flow): Promise<AuthorizationStart>;
  redeem(transaction: Transaction, params: CallbackParams): Promise<User>;
  /** An access token for the web API's scopes from the person's token cache (by their object id),
   *  refreshed when due or when forced; SignInRequired when only a new sign-in can give one. */
  accessToken(accountId: string, options: { forceRefresh: boolean }): Promise<string>;
  /** Drop the person's token cache entry, at sign-out. Resolves to whether there was one. */
  forget(accountId: string): Promise<boolean>;
  /** Resolves when every user flow's metadata can be fetched now (within the IdP timeout); throws
   *  IdpUnavailableError otherwise. For the readiness probe: builds and caches nothing. */
  ready(): Promise<void>;
}

interface OpenIdMetadata {
  issuer: string;
  jwks_uri: string;
  [key: string]: unknown;
}

interface UserFlowClient {
  /** What a code redemption's own client is built from. */
  msalConfig: Configuration;
  /** MSAL's authorization URL for this flow, filled in per request. */
  authorizationUrl: MakeUrl;
  idTokens: IdTokenVerifier;
  /** What its ID tokens must name: B2C, this user flow; External ID, the tenant discovery's issuer names. */
  realm: RealmExpectation;
}

const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** The tenant id an External ID issuer names in its path; a discovery document without one is not
 *  an External ID authority (the same failure as an unreachable one: sign-in cannot be checked). */
function tenantIdOf(issuer: string): string {
  const id = new URL(issuer).pathname.split('/').find((segment) => GUID.test(segment));
  if (!id) throw new Error(`the issuer names no tenant id`);
  return id.toLowerCase();
}


/** A fresh state, nonce and PKCE pair (RFC 7636 S256): 32 random octets each, base64url. (MSAL's
 *  CryptoProvider.generatePkceCodes reads its verifier one octet at a time, 33 or more reads;
 *  ~270 µs per sign-in on our machine.) */
export function authorizationSecrets(): { state: string; nonce: string; verifier: string; challenge: string } {
  const octets = randomOctets(96); // pooled CSPRNG reads (src/random.ts)
  const state = octets.toString('base64url', 0, 32);
  const nonce = octets.toString('base64url', 32, 64);
  const verifier = octets.toString('base64url', 64, 96);
  octets.fill(0);
  return { state, nonce, verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** MSAL's own log lines may name accounts: warnings only, without PII, and written nowhere. */
export const MSAL_LOGGING = { logLevel: LogLevel.Warning, piiLoggingEnabled: false, loggerCallback: () => {} };

/** `now`: the clock that dates transactions (the bridge's, so that expiry is measured on one clock).
 *  `tokens`: where MSAL's token caches are kept (Redis when instances share sessions). */
export function createIdentity(
  config: Config,
  now: () => number = Date.now,
  tokens: TokenStore = new MemoryTokenStore(config.sessionAbsoluteMs, now),
): Identity {
  const network = createNetworkClient(config.idpTimeoutMs);
  const clients = new Map<Flow, Promise<UserFlowClient>>();
  // Every user flow asks for the web API's scopes (MSAL adds openid, profile and offline_access), so
  // whichever flow a person last went through leaves a token the API accepts.
  const scopes = config.webApi?.scopes ?? [];

  async function build(flow: Flow): Promise<UserFlowClient> {
    const { authority } = config.flows[flow];
    const metadata = await getJson<OpenIdMetadata>(metadataUrl(authority), config.idpTimeoutMs);
    const local = authority.startsWith('http:');
    const msalConfig: Configuration = {
      auth: {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        // MSAL accepts only https authority strings. For a local plain-http emulator the string is
        // just a name: every endpoint MSAL calls comes from authorityMetadata, as given (fetched
        // once above, so the client built for each redemption does no discovery of its own).
        // No TLS check is relaxed anywhere.
        authority: local ? authority.replace(/^http:/, 'https:') : authority,
        knownAuthorities: [config.authorityDomain],
        authorityMetadata: JSON.stringify(metadata),
      },
      system: {
        networkClient: network,
        loggerOptions: MSAL_LOGGING,
      },
    };
    // For authorization URLs only: it never touches a token cache.
    const msal = new ConfidentialClientApplication(msalConfig);
    const { url: authorizationUrl } = await authorizationUrlTemplate((values) =>
      msal.getAuthCodeUrl({ scopes, redirectUri: config.redirectUri, codeChallengeMethod: 'S256', ...values }),
    );
    // External ID names the tenant by id in its issuer (https://<tenant-id>.ciamlogin.com/<tenant-id>/v2.0),
    // whatever the authority calls it: taken from discovery's issuer, as the issuer itself is.
    const realm: RealmExpectation = config.provider === 'external-id'
      ? { provider: 'external-id', tenantId: tenantIdOf(metadata.issuer) }
      : { provider: 'b2c', flowName: config.flows[flow].name };
    return { msalConfig, authorizationUrl, idTokens: createIdTokenVerifier(metadata, config.idpTimeoutMs), realm };
  }

  /** Built once per flow; a failed build is forgotten so that the next request tries again. */
  function client(flow: Flow): Promise<UserFlowClient> {
    let pending = clients.get(flow);
    if (!pending) {
      pending = build(flow).catch((error: unknown) => {
        clients.delete(flow);
        throw asProblem(error);
      });
      clients.set(flow, pending);
    }
    return pending;
  }

  const accessTokens = createAccessTokens({
    scopes,
    flowNames: { signUpSignIn: config.flows.signUpSignIn.name, editProfile: config.flows.editProfile.name, resetPassword: config.flows.resetPassword.name },
    msalConfig: async (flow) => (await client(flow)).msalConfig,
    tokens,
    asProblem,
  });

  return {
    async authorize(flow) {
      const { authorizationUrl } = await client(flow);
      const { state, nonce, verifier, challenge } = authorizationSecrets();
      const startedAt = now();
      const transaction: Transaction = {
        flow,
        state,
        nonce,
        codeVerifier: verifier,
        startedAt,
        expiresAt: startedAt + config.transactionTtlMs,
      };
      try {
        // MSAL's client-request-id: a fresh one per request, as MSAL makes when given none.
        const url = await authorizationUrl({ state, nonce, codeChallenge: challenge, correlationId: randomUUID() });
        return { url, transaction };
      } catch (error) {
        throw asProblem(error);
      }
    },

    async redeem(transaction, params) {
      const { msalConfig, idTokens, realm } = await client(transaction.flow);
      // A client of its own, whose cache holds this redemption only, however many redeem at once.
      const msal = new ConfidentialClientApplication(msalConfig);
      let result: AuthenticationResult;
      try {
        result = await msal.acquireTokenByCode(
          {
            code: params.code!,
            scopes,
            redirectUri: config.redirectUri,
            codeVerifier: transaction.codeVerifier,
            state: transaction.state,
            nonce: transaction.nonce,
          },
          { code: params.code!, state: params.state },
        );
      } catch (error) {
        throw asProblem(error);
      }
      if (!result.account || !result.idToken) throw tokenRejected('the token response carried no ID token');
      const accountId = result.account.localAccountId;
      const claims = await idTokens.verify(result.idToken, { clientId: config.clientId, nonce: transaction.nonce, ...realm });
      // Only a checked answer is kept: added to the person's entry, beside their other flows' accounts.
      try {
        await tokens.set(accountId, mergeCaches(await tokens.get(accountId), msal.getTokenCache().serialize()));
      } catch (error) {
        throw asProblem(error);
      }
      return {
        accountId,
        // External ID's tokens carry `name` (and no given_name unless the user flow collects it).
        givenName: typeof claims.given_name === 'string' ? claims.given_name : typeof claims.name === 'string' ? claims.name : '',
        name: typeof claims.name === 'string' ? claims.name : '',
      };
    },

    accessToken: (accountId, options) => accessTokens.get(accountId, options),

    async forget(accountId) {
      return tokens.delete(accountId);
    },

    async ready() {
      const urls = new Set(Object.values(config.flows).map(({ authority }) => metadataUrl(authority)));
      await Promise.all(
        [...urls].map(async (url) => {
          // A 4xx answered in JSON (a mistyped user flow) is not metadata either.
          const metadata = await getJson<Partial<OpenIdMetadata> | null>(url, config.idpTimeoutMs);
          if (typeof metadata?.issuer !== 'string') throw new IdpUnavailableError(`GET ${new URL(url).pathname}: not an OpenID configuration`);
        }),
      );
    },
  };
}

const metadataUrl = (authority: string) => `${authority}/v2.0/.well-known/openid-configuration`;

/** MSAL's errors -> what the person sees. Server errors from the token endpoint (invalid_grant...)
 *  mean the code is no good; everything else means the provider could not be used. */
function asProblem(error: unknown): IdentityProblem {
  if (error instanceof IdentityProblem) return error;
  if (error instanceof StoreUnavailable) return new IdentityProblem(error.status, error.title, error.detail, error.message);
  if (error instanceof ServerError) return codeRejected(`token endpoint: ${error.errorCode}`);
  const e = error as { errorCode?: string; name?: string; message?: string };
  if (e.errorCode === 'nonce_mismatch') return tokenRejected('ID token: nonce mismatch');
  if (e.errorCode === 'state_mismatch') return tokenRejected('state mismatch');
  return unavailable(e.errorCode ?? e.name ?? 'unknown error');
}
