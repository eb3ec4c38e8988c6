// The app's HTTP server, as main.ts runs it: Koa's handler, our own answer to the requests Node's
// parser refuses before Koa sees them (with the headers every page carries), and the address to
// listen on (config.host: loopback outside production unless HOST says otherwise).
import { createServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Config } from '../config.ts';
import { isPublicHttps } from './public-origin.ts';
import { securityHeaderList } from './security-headers.ts';

/** Node's own choice of status for each parser error; anything else is a 400. */
const STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** A `clientError` listener: what Node would answer (431 for headers past 16 KB, 400 for a request
 *  it cannot parse), plus nosniff, CSP and the rest. A fixed text: nothing of the request is echoed. */
export function clientErrorHandler({ https }: { https: boolean }): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  const headers = securityHeaderList({ https });
  const answers = new Map<number, string>();
  const answer = (status: number) => {
    let text = answers.get(status);
    if (text === undefined) {
      const body = `${STATUS_CODES[status]}\n`;
      const head = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        ...headers.map(([name, value]) => `${name}: ${value}`),
        'Content-Type: text/plain; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
      ];
      text = `${head.join('\r\n')}\r\n\r\n${body}`;
      answers.set(status, text);
    }
    return text;
  };
  // The parser reports again as more of a refused request arrives: answer once, then let the
  // pending end() close the socket (destroying earlier could cut the answer off).
  const answered = new WeakSet<Duplex>();
  return (error, socket) => {
    if (answered.has(socket)) return;
    // As Node does: say nothing on a reset socket, or once a response has begun on this one.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    socket.end(answer(STATUS[error.code ?? ''] ?? 400), () => socket.destroy());
  };
}

/** The server main.ts runs: `onListening` once it accepts connections. */
export function listen(app: Koa, config: Pick<Config, 'port' | 'host' | 'redirectUri'>, onListening?: () => void): Server {
  const server = createServer(app.callback());
  server.on('clientError', clientErrorHandler({ https: isPublicHttps(config.redirectUri) }));
  // host null: every interface (IPv6 and IPv4 where the machine has both), Node's default.
  return server.listen({ port: config.port, ...(config.host === null ? {} : { host: config.host }) }, onListening);
}
