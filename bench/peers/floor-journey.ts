// The floor under a whole sign-in journey (bench/peers/floor.ts, given a client of the emulator):
// the least a correct sign-in does inside the order's stack, with the cheapest parts this app uses.
// /signin sends the browser to the user flow's authorization endpoint (the URL a template, as the
// app's is); /redirect opens the sealed transaction, checks its state, redeems the code with
// msal-node (a client per redemption, the metadata given, the app's own transport), checks the ID
// token's signature, issuer, audience and lifetime with jose (MSAL checks the nonce), keeps MSAL's
// token cache for the web API, and writes the new session. No statechart, no problem pages, no
// per-flow accounts, no expiry of transactions beyond the cookie's own.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Middleware } from 'koa';
import { MSAL_LOGGING } from '../../src/identity/index.ts';
import { createNetworkClient, getJson } from '../../src/identity/network.ts';
import { randomOctets } from '../../src/random.ts';
import type { EmulatorReady } from '../emulator.ts';

export interface FloorClient {
  port: number;
  clientId: string;
  clientSecret: string;
  /** The sign-up/sign-in user flow's authority (https). */
  authority: string;
  /** The emulator's host, MSAL's known authority. */
  authorityDomain: string;
  apiScope: string;
}

/** What the floor needs of the emulator to sign people in, as the client registered for it. */
export function floorClient(emulator: EmulatorReady, { port, clientId, clientSecret }: { port: number; clientId: string; clientSecret: string }): FloorClient {
  return { port, clientId, clientSecret, authority: emulator.authorities.signUpSignIn, authorityDomain: new URL(emulator.origin).host, apiScope: emulator.api.scope };
}

const TIMEOUT_MS = 10_000;
const TRANSACTION_MS = 10 * 60 * 1000;

interface FloorTransaction {
  state: string;
  nonce: string;
  verifier: string;
  at: number;
}

/** The transaction as the floor's /signin puts it in its cookie: AES-256-GCM, `iv.body.tag`. */
export function sealTransaction(key: Buffer, transaction: FloorTransaction): string {
  const iv = randomOctets(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(transaction)), cipher.final()]).toString('base64url');
  return `${iv.toString('base64url')}.${sealed}.${cipher.getAuthTag().toString('base64url')}`;
}

/** The cookie's transaction, or undefined when it is missing or was not sealed under `key`. */
function openTransaction(key: Buffer, value: string | undefined): FloorTransaction | undefined {
  const [iv, sealed, tag] = (value ?? '').split('.');
  if (!iv || !sealed || !tag) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString()) as FloorTransaction;
}

export async function signInFloor(client: FloorClient, key: Buffer): Promise<{ authorize: string; redirect: Middleware }> {
  const metadata = await getJson<{ issuer: string; jwks_uri: string; authorization_endpoint: string }>(`${client.authority}/v2.0/.well-known/openid-configuration`, TIMEOUT_MS);
  const keys = createLocalJWKSet(await getJson<JSONWebKeySet>(metadata.jwks_uri, TIMEOUT_MS));
  const redirectUri = `http://localhost:${client.port}/redirect`;
  const msalConfig = {
    auth: { clientId: client.clientId, clientSecret: client.clientSecret, authority: client.authority, knownAuthorities: [client.authorityDomain], authorityMetadata: JSON.stringify(metadata) },
    system: { networkClient: createNetworkClient(TIMEOUT_MS), loggerOptions: MSAL_LOGGING },
  };
  const scope = encodeURIComponent(`openid profile offline_access ${client.apiScope}`);
  const authorize = `${metadata.authorization_endpoint}?client_id=${client.clientId}&response_type=code&response_mode=query&scope=${scope}&redirect_uri=${encodeURIComponent(redirectUri)}`;
  // MSAL's serialised cache per person, as the app keeps it for the web API calls after sign-in.
  const tokens = new Map<string, string>();

  const redirect: Middleware = async (ctx) => {
    const transaction = openTransaction(key, ctx.cookies.get('b2c.pending'));
    const code = ctx.query.code;
    if (!transaction || typeof code !== 'string') return ctx.throw(400, 'no transaction');
    if (transaction.state !== ctx.query.state || Date.now() - transaction.at > TRANSACTION_MS) return ctx.throw(400, 'not this transaction');
    const msal = new ConfidentialClientApplication(msalConfig);
    const result = await msal.acquireTokenByCode(
      { code, scopes: [client.apiScope], redirectUri, codeVerifier: transaction.verifier, state: transaction.state, nonce: transaction.nonce },
      { code, state: transaction.state },
    );
    const { payload } = await jwtVerify(result.idToken, keys, { issuer: metadata.issuer, audience: client.clientId, maxTokenAge: 600 });
    const accountId = result.account!.localAccountId;
    tokens.set(accountId, msal.getTokenCache().serialize());
    ctx.cookies.set('b2c.pending', null);
    ctx.session!.user = { accountId, givenName: payload.given_name, name: payload.name, sessionStarted: Date.now() };
    await ctx.session!.manuallyCommit();
    ctx.redirect('/');
  };
  return { authorize, redirect };
}
