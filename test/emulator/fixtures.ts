// Shared set-up for the emulator's tests: a registered client whose app is not running (the
// browser stops at its redirect URI and the test plays the app), and MSAL pointed at the emulator.
import { createHash } from 'node:crypto';

import { ConfidentialClientApplication, CryptoProvider, type AuthenticationResult } from '@azure/msal-node';

import { startEmulator, type Emulator, type EmulatorClient, type EmulatorOptions } from '../../src/emulator/index.ts';
import { Browser } from '../support/browser.ts';

export const APP_ORIGIN = 'http://localhost:3000';

export const CLIENT: EmulatorClient = {
  clientId: 'test-app',
  clientSecret: 'test-app-secret',
  redirectUris: [`${APP_ORIGIN}/redirect`],
  postLogoutRedirectUris: [`${APP_ORIGIN}/`],
};

export const SCOPES = ['openid', 'profile', 'offline_access'];

/** What B2C appends to every error description. */
export const B2C_ERROR_LINES = /\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;

export function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({ port: 0, clients: [CLIENT], ...options });
}

/** A browser that stops where the emulator sends it back to the app. */
export function appBrowser(): Browser {
  return new Browser({ stopAt: (url) => url.origin === APP_ORIGIN });
}

/** What the app's callback receives. */
export function callback(browser: Browser): URLSearchParams {
  const url = new URL(browser.url);
  if (url.origin !== APP_ORIGIN) throw new Error(`the browser is at ${url.href}, not back at the app`);
  return url.searchParams;
}

/** How the app hands MSAL the emulator: https authority string, known host, plain-http endpoints from metadata. */
export async function msalFor(emulator: Emulator, flow: string, client: EmulatorClient = CLIENT): Promise<ConfidentialClientApplication> {
  return new ConfidentialClientApplication({
    auth: {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      authority: emulator.authority(flow).replace(/^http:/, 'https:'),
      knownAuthorities: [new URL(emulator.origin).host],
      authorityMetadata: JSON.stringify(await emulator.metadata(flow)),
    },
  });
}

export interface AuthTransaction {
  msal: ConfidentialClientApplication;
  url: string;
  state: string;
  nonce: string;
  verifier: string;
  flow: string;
  scopes: string[];
}

/** Step one, as the app does it: state, nonce and an S256 PKCE challenge. */
export async function beginAuthorization(
  emulator: Emulator, flow: string, { scopes = SCOPES, ...extra }: { prompt?: string; scopes?: string[] } = {},
): Promise<AuthTransaction> {
  const msal = await msalFor(emulator, flow);
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const nonce = crypto.createNewGuid();
  const url = await msal.getAuthCodeUrl({
    scopes, redirectUri: CLIENT.redirectUris[0]!, state, nonce,
    codeChallenge: challenge, codeChallengeMethod: 'S256', ...extra,
  });
  return { msal, url, state, nonce, verifier, flow, scopes };
}

/** Step two: the code from the callback redeemed through MSAL, with the nonce and state it must check. */
export function redeem(tx: AuthTransaction, params: URLSearchParams): Promise<AuthenticationResult> {
  const code = params.get('code');
  if (!code) throw new Error(`no code in the callback: ${params.toString()}`);
  return tx.msal.acquireTokenByCode(
    { code, scopes: tx.scopes, redirectUri: CLIENT.redirectUris[0]!, codeVerifier: tx.verifier, nonce: tx.nonce, state: tx.state },
    { code, state: params.get('state') ?? '' },
  );
}

/** Signs in on the emulator's sign-in page (the browser must be on it). */
export function signIn(browser: Browser, email: string, password: string) {
  return browser.submit('#next', { signInName: email, password });
}

/** A bare authorization request (no MSAL), for tests that poke at the protocol itself. */
export function authorizeUrl(emulator: Emulator, flow: string, params: Record<string, string | undefined> = {}): { url: string; verifier: string } {
  const verifier = 'a'.repeat(20) + Math.random().toString(36).slice(2).padEnd(30, 'x');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(`${emulator.authority(flow)}/oauth2/v2.0/authorize`);
  const all: Record<string, string | undefined> = {
    client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUris[0], response_type: 'code', scope: 'openid profile offline_access',
    state: 'state-1', nonce: 'nonce-1', code_challenge: challenge, code_challenge_method: 'S256', ...params,
  };
  for (const [key, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(key, value);
  return { url: url.href, verifier };
}

/** POSTs a token request the way a confidential client does (client_secret_post unless told otherwise). */
export async function tokenRequest(
  emulator: Emulator, flow: string, fields: Record<string, string>, headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.authority(flow)}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Signs the demo user in through the bare protocol and returns the callback's code and the PKCE verifier. */
export async function demoCode(emulator: Emulator, flow = emulator.flows.signUpSignIn, browser = appBrowser(), params: Record<string, string> = {}) {
  const { url, verifier } = authorizeUrl(emulator, flow, params);
  await browser.get(url);
  if (!browser.page.stopped) await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
  const code = callback(browser).get('code');
  if (!code) throw new Error('no code');
  return { code, verifier, browser };
}

export function codeGrant(code: string, verifier: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CLIENT.redirectUris[0]!,
    client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, ...extra,
  };
}

export function refreshGrant(refreshToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, ...extra };
}

/** The demo user signed in (sign-up/sign-in flow unless told) asking for these API scopes; the token response. */
export async function apiTokens(emulator: Emulator, apiScopes: string[], flow = emulator.flows.signUpSignIn) {
  const { code, verifier } = await demoCode(emulator, flow, appBrowser(), { scope: ['openid', 'offline_access', ...apiScopes].join(' ') });
  const response = await tokenRequest(emulator, flow, codeGrant(code, verifier));
  if (response.status !== 200) throw new Error(`token request failed: ${JSON.stringify(response.body)}`);
  return response.body as Record<string, unknown> & { access_token: string; id_token: string; refresh_token: string; scope: string; expires_in: number };
}
