// Outbound HTTP with one deadline for the whole exchange, over kept-alive connections: what the app
// sends to the identity provider (src/identity/network.ts) and to the web API (src/web-api/call.ts).
// Node's http/https clients rather than fetch: a request through fetch cost the app ~500 µs of CPU
// on our machine (its web streams, headers objects and resource timing), through https.request
// ~170 µs (docs/PERFORMANCE.md, issue #18). The CA store is Node's (NODE_EXTRA_CA_CERTS included),
// as fetch's. Redirects are answers like any other: the caller decides (both refuse to follow).
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Node's agent closes an idle connection before the server's own Keep-Alive timeout, when the server
// names one; a connection the server closed just as it was reused is retried once (below).
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
/** The deadline passed before the whole answer came. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One exchange, ending by `deadline` (performance.now() ms) or failing with the reason. */
export function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, deadline: number, retried = false): Promise<Answer> {
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
