import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The default output, then how many suites were skipped and why (a failure on CI).
    reporters: ['default', './test/support/skip-reporter.ts'],
  },
});
