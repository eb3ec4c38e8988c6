// Whether this run is CI's: there suites may not be skipped nor runs cut short. One rule for every
// place that asks (test/support/skip.ts, the fuzz run's length, the skip reporter).

const NOT_CI = new Set(['', '0', 'false', 'no', 'off']);

/**
 * Whether `CI` is set as CI services set it. Any value is truthy (`true`, `1`, `yes`, `TRUE`, …)
 * except unset, empty, `0`, `false`, `no` and `off` (any case, surrounding spaces ignored).
 */
export function isCI(value: string | undefined = process.env.CI): boolean {
  return value !== undefined && !NOT_CI.has(value.trim().toLowerCase());
}
