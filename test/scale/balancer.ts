// A round-robin load balancer in front of several app instances, as an operator would run them:
// every request goes to the next instance, so one step of a journey is never answered by the
// instance that answered the step before. It remembers who answered what.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  instance: number;
  method: string;
  path: string;
  status: number;
}

export interface Balancer {
  origin: string;
  served: Served[];
  close(): Promise<void>;
}

export async function startBalancer(instancePorts: number[]): Promise<Balancer> {
  const served: Served[] = [];
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const instance = next++ % instancePorts.length;
    const upstream = request(
      { host: '127.0.0.1', port: instancePorts[instance], method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        served.push({ instance, method: incoming.method!, path: incoming.url!.split('?')[0]!, status: answer.statusCode! });
        outgoing.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => {
      served.push({ instance, method: incoming.method!, path: incoming.url!.split('?')[0]!, status: 502 });
      outgoing.writeHead(502).end('instance unreachable');
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    served,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
