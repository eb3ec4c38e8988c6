// The rule that keeps CI from passing with suites skipped: which CI values count, and that the
// Chromium and Redis skip decisions follow it (binary paths pointed at a missing file).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCI } from '../support/ci.ts';
import { skipWithout } from '../support/skip.ts';

const MISSING = '/nonexistent/binary';

describe('isCI', () => {
  it.each(['true', '1', 'yes', 'TRUE', ' True ', 'github-actions'])('CI=%j is CI', (value) => {
    expect(isCI(value)).toBe(true);
  });

  it.each(['', ' ', '0', 'false', 'FALSE', 'no', 'off'])('CI=%j is not', (value) => {
    expect(isCI(value)).toBe(false);
  });

  it('CI unset is not', () => {
    const saved = process.env.CI;
    delete process.env.CI; // isCI() reads the environment when given nothing
    try {
      expect(isCI()).toBe(false);
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });

  it('reads process.env.CI by default', () => {
    vi.stubEnv('CI', 'yes');
    expect(isCI()).toBe(true);
    vi.stubEnv('CI', '0');
    expect(isCI()).toBe(false);
  });
});

describe('skipWithout', () => {
  it('skips a missing binary only off CI, and records why on the test file for the reporter', ({ task }) => {
    expect(skipWithout(MISSING, 'some suites', 'apt-get install it', true)).toBe(false);
    expect(skipWithout(MISSING, 'some suites', 'apt-get install it', false)).toBe(true);
    expect(task.file.meta.skipReasons).toContain(`some suites: ${MISSING} not found (apt-get install it)`);
  });

  it('never skips a binary that is there', () => {
    expect(skipWithout(process.execPath, 'node', '-', false)).toBe(false);
  });
});

describe('the suites’ skip decisions', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  /** Imports `module` afresh (its decision is made on import) with this environment. */
  async function fresh<T>(module: string, env: Record<string, string>): Promise<T> {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.resetModules();
    return (await import(module)) as T;
  }

  type Chromium = typeof import('../browser/chromium.ts');
  type Redis = typeof import('../support/redis.ts');

  it.each(['true', '1', 'yes', 'TRUE'])('with CI=%s a missing Chromium or redis-server fails instead of skipping', async (ci) => {
    const chromium = await fresh<Chromium>('../browser/chromium.ts', { CI: ci, CHROMIUM_PATH: MISSING });
    expect(chromium.skipBrowserJourneys).toBe(false);
    await expect(chromium.launchChromium()).rejects.toThrow(`${MISSING} not found`);

    const redis = await fresh<Redis>('../support/redis.ts', { CI: ci, REDIS_SERVER: MISSING });
    expect(redis.skipRedis).toBe(false);
    await expect(redis.startRedis()).rejects.toThrow(`${MISSING} not found`);
  });

  it.each(['false', '0', ''])('with CI=%j they are skipped', async (ci) => {
    expect((await fresh<Chromium>('../browser/chromium.ts', { CI: ci, CHROMIUM_PATH: MISSING })).skipBrowserJourneys).toBe(true);
    expect((await fresh<Redis>('../support/redis.ts', { CI: ci, REDIS_SERVER: MISSING })).skipRedis).toBe(true);
  });
});
