// One JSON line per record, written by pino. Callers pass only what is safe to ship: never a token,
// a code, an email or a name; `redact` is a second belt for the obvious field names.
import { pino, type DestinationStream } from 'pino';

export interface Logger {
  info(record: Record<string, unknown>): void;
  warn(record: Record<string, unknown>): void;
  error(record: Record<string, unknown>): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

/** Field names that would hold a secret or a person's data, or objects that carry them (a user, a
 *  transaction, callback parameters, headers). Exact paths only: a wildcard (`*.email`) would make
 *  every record cost about twice as much to write. */
export const REDACTED_PATHS = [
  'token', 'idToken', 'id_token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token',
  'code', 'codeVerifier', 'code_verifier', 'state', 'nonce', 'clientSecret', 'client_secret', 'password',
  'email', 'emails', 'name', 'givenName', 'given_name', 'familyName', 'family_name',
  'user', 'account', 'claims', 'transaction', 'params', 'query', 'cookie', 'authorization',
  'headers.cookie', 'headers.authorization', 'error.params', 'error.claims',
];

/** Lines handed to `write` together, once per turn of the event loop, and at exit: one system call
 *  for all the requests a turn finished rather than one per line (~8 µs each on our machine). */
export function batched(write: (chunk: string) => void): (line: string) => void {
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    write(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}

/** stdout, batched as above. (pino's asynchronous destination, sonic-boom, was tried: when the
 *  process exits during one of its writes, the lines it flushes at exit overtake that write.) */
let stdout: DestinationStream | undefined;

/** `write` receives each line (tests and the benchmark inject one); stdout by default. */
export function createLogger(level: LogLevel = 'info', write?: (line: string) => void): Logger {
  const stream = write ? { write } : (stdout ??= { write: batched((chunk) => process.stdout.write(chunk)) });
  return pino(
    {
      level,
      // Level names rather than pino's numbers: what an operator greps for.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    stream,
  );
}

/** A promise nobody awaited must not take every user's session down with the process. */
export function keepServingOnUnhandledRejection(log: Logger): void {
  process.on('unhandledRejection', (reason) => log.error({ msg: 'unhandled rejection', error: (reason as Error)?.name ?? typeof reason }));
}
