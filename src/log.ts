// One JSON line per record. Callers pass only what is safe to ship: never a token, a code, an
// email or a name.
export interface Logger {
  info(record: Record<string, unknown>): void;
  warn(record: Record<string, unknown>): void;
  error(record: Record<string, unknown>): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const at = (name: Exclude<LogLevel, 'silent'>) => (record: Record<string, unknown>) => {
    if (RANK[name] >= RANK[level]) write(`${JSON.stringify({ time: new Date().toISOString(), level: name, ...record })}\n`);
  };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

/** A promise nobody awaited must not take every user's session down with the process. */
export function keepServingOnUnhandledRejection(log: Logger): void {
  process.on('unhandledRejection', (reason) => log.error({ msg: 'unhandled rejection', error: (reason as Error)?.name ?? typeof reason }));
}
