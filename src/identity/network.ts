// MSAL's HTTP transport, replaced for two reasons: msal-node puts no time limit on POSTs (a hung
// token endpoint would hang the request), and it remembers a 429/5xx from the token endpoint for a
// minute (its throttling cache), keyed so broadly that one failure would lock out every user.
// Throwing on those statuses keeps them out of that cache; MSAL reports them as `network_error`.
//
// Node's http/https clients rather than fetch: a token request through fetch cost the app ~500 µs
// of CPU on our machine (its web streams, headers objects and resource timing), through
// https.request ~170 µs (docs/PERFORMANCE.md, issue #18). Connections are kept alive between
// calls, as fetch keeps them; the CA store is Node's (NODE_EXTRA_CA_CERTS included), as fetch's.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export class IdpUnavailableError extends Error {
  override name = 'IdpUnavailableError';
}

// Node's agent closes an idle connection before the server's own Keep-Alive timeout, when the server
// names one; a connection the server closed just as it was reused is retried once (below).
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One exchange, ending by `deadline` (performance.now() ms) or failing with the reason. */
function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, deadline: number, retried = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) }, agent: agents[url.protocol as 'http:' | 'https:'] },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode!, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', fail);
      },
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new TimeoutError());
    }, Math.max(1, Math.ceil(deadline - performance.now())));
    function fail(error: NodeJS.ErrnoException) {
      clearTimeout(timer);
      // Cut off mid-answer, the response may report it first (as "aborted"): the reason is the deadline.
      if (timedOut) return reject(new TimeoutError());
      // A kept-alive connection the server had closed meanwhile: nothing was answered, so the
      // request is sent once more on a fresh one (Node's documented way with reused sockets).
      if (!retried && !answered && request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        resolve(exchange(url, method, headers, body, deadline, true));
      } else reject(error);
    }
    request.on('error', fail);
    request.end(body);
  });
}

async function send<T>(url: string, method: 'GET' | 'POST', headers: Record<string, string> | undefined, body: string | undefined, timeoutMs: number): Promise<NetworkResponse<T>> {
  const target = new URL(url);
  const where = `${method} ${target.pathname}`;
  let answer: Answer;
  try {
    answer = await exchange(target, method, headers ?? {}, body, performance.now() + timeoutMs);
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
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
