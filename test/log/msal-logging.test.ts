// MSAL's own logger, as every MSAL client of the app is given it (src/identity/index.ts): its lines
// may name accounts, so it keeps warnings only, never PII, and writes nowhere.
import { Logger, LogLevel } from '@azure/msal-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MSAL_LOGGING } from '../../src/identity/index.ts';

afterEach(() => vi.restoreAllMocks());

describe("MSAL's logger", () => {
  it('is silenced: warnings only, no PII, and nothing reaches stdout or stderr', () => {
    expect(MSAL_LOGGING).toMatchObject({ logLevel: LogLevel.Warning, piiLoggingEnabled: false });
    const written = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write'), vi.spyOn(console, 'log'), vi.spyOn(console, 'error')];
    const logger = new Logger(MSAL_LOGGING);
    logger.errorPii('account ada@example.com could not be found', 'cid');
    logger.warning('a warning without PII', 'cid');
    logger.info('account ada@example.com signed in', 'cid');
    for (const spy of written) expect(spy).not.toHaveBeenCalled();
  });

  it('would pass PII on without these options (so the test above can fail)', () => {
    const lines: string[] = [];
    const logger = new Logger({ ...MSAL_LOGGING, piiLoggingEnabled: true, loggerCallback: (_level, message) => void lines.push(message) });
    logger.errorPii('account ada@example.com could not be found', 'cid');
    expect(lines.join('\n')).toContain('ada@example.com');
  });
});
