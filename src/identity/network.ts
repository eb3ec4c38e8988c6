// MSAL's HTTP transport, replaced for two reasons: msal-node puts no time limit on POSTs (a hung
// token endpoint would hang the request), and it remembers a 429/5xx from the token endpoint for a
// minute (its throttling cache), keyed so broadly that one failure would lock out every user.
// Throwing on those statuses keeps them out of that cache; MSAL reports them as `network_error`.
// The requests go through src/net/exchange.ts (Node's clients, kept-alive connections, one deadline).
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { exchange, TimeoutError, type Answer } from '../net/exchange.ts';

export class IdpUnavailableError extends Error {
  override name = 'IdpUnavailableError';
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function send<T>(url: string, method: 'GET' | 'POST', headers: Record<string, string> | undefined, body: string | undefined, timeoutMs: number): Promise<NetworkResponse<T>> {
  const target = new URL(url);
  const where = `${method} ${target.pathname}`;
  let answer: Answer;
  try {
    answer = await exchange(target, method, headers ?? {}, body, performance.now() + timeoutMs);
  } catch (error) {
    const reason = error instanceof TimeoutError ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new IdpUnavailableError(`${where}: ${reason}`);
  }
  // Followed by no one: the provider's endpoints answer where discovery said they are.
  if (REDIRECTS.has(answer.status)) throw new IdpUnavailableError(`${where}: redirected (HTTP ${answer.status})`);
  if (answer.status === 429 || answer.status >= 500) throw new IdpUnavailableError(`${where}: HTTP ${answer.status}`);
  let parsed: T;
  try {
    parsed = JSON.parse(answer.text) as T;
  } catch {
    throw new IdpUnavailableError(`${where}: the answer is not JSON`);
  }
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return { headers: flat, body: parsed, status: answer.status };
}

export function createNetworkClient(timeoutMs: number): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, 'GET', options?.headers, undefined, timeoutMs),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, 'POST', options?.headers, options?.body ?? '', timeoutMs),
  };
}

/** GET a JSON document from the identity provider (metadata), with the same limits. */
export async function getJson<T>(url: string, timeoutMs: number): Promise<T> {
  return (await send<T>(url, 'GET', undefined, undefined, timeoutMs)).body;
}
