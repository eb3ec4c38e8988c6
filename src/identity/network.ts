// MSAL's HTTP transport, replaced for two reasons: msal-node puts no time limit on POSTs (a hung
// token endpoint would hang the request), and it remembers a 429/5xx from the token endpoint for a
// minute (its throttling cache), keyed so broadly that one failure would lock out every user.
// Throwing on those statuses keeps them out of that cache; MSAL reports them as `network_error`.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export class IdpUnavailableError extends Error {
  override name = 'IdpUnavailableError';
}

async function send<T>(url: string, init: RequestInit, timeoutMs: number): Promise<NetworkResponse<T>> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    text = await response.text();
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new IdpUnavailableError(`${init.method} ${new URL(url).pathname}: ${reason}`);
  }
  if (response.status === 429 || response.status >= 500) {
    throw new IdpUnavailableError(`${init.method} ${new URL(url).pathname}: HTTP ${response.status}`);
  }
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new IdpUnavailableError(`${init.method} ${new URL(url).pathname}: the answer is not JSON`);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  return { headers, body, status: response.status };
}

export function createNetworkClient(timeoutMs: number): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(url, { method: 'GET', headers: options?.headers }, timeoutMs),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(url, { method: 'POST', headers: options?.headers, body: options?.body ?? '' }, timeoutMs),
  };
}

/** GET a JSON document from the identity provider (metadata), with the same limits. */
export async function getJson<T>(url: string, timeoutMs: number): Promise<T> {
  return (await send<T>(url, { method: 'GET' }, timeoutMs)).body;
}
