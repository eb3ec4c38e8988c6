// Suites that need a binary (Chromium, redis-server) skip where it is missing, but never on CI:
// there they run and fail, so CI cannot pass with suites skipped.
import { existsSync } from 'node:fs';
import { TestRunner } from 'vitest';
import { isCI } from './ci.ts';

declare module 'vitest' {
  interface TaskMeta {
    /** Why suites of this test file are skipped; read by test/support/skip-reporter.ts. */
    skipReasons?: string[];
  }
}

/**
 * Whether the suites needing `path` are skipped: only where it is missing and not on CI. A skip warns
 * and records its reason on the test file's task meta, which reaches the reporter in the main
 * process (tests run in workers, so a module-level list would not).
 */
export function skipWithout(path: string, suites: string, install: string, ci = isCI()): boolean {
  if (existsSync(path) || ci) return false;
  const reason = `${suites}: ${path} not found (${install})`;
  console.warn(`${reason}, skipped`);
  const file = collectingFile();
  if (file) (file.meta.skipReasons ??= []).push(reason);
  return true;
}

/** The test file being collected (its imports run then); none outside a vitest worker. */
function collectingFile() {
  try {
    return TestRunner.getCurrentSuite().file;
  } catch {
    return undefined;
  }
}
