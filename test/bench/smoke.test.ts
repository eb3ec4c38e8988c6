// The benchmark still runs: a quick pass (about a second per case) prints every figure. The figures
// themselves are never asserted here; `npm run bench` measures them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('npm run bench --quick prints every case with its ratio or target', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick'], {
    timeout: 120_000,
  });
  for (const row of [
    /^bare Koa, constant signed-out page \(ceiling\) \| [\d,.]+ req\/s \| 1\.00 ×$/m,
    /^GET \/ signed out \| [\d,.]+ req\/s \| [\d.]+ × \| (met|MISSED) /m,
    /^GET \/ signed in \| [\d,.]+ req\/s \| [\d.]+ × \| (met|MISSED) /m,
    /^GET \/signin .* \| [\d,.]+ req\/s \| [\d.]+ × \| (met|MISSED) /m,
    /^GET \/api signed in .* \| [\d,.]+ req\/s \| [\d.]+ ×/m,
    /^sign-in journey against the emulator \| [\d,.]+ journeys\/s \| p50 \d+ ms, p99 \d+ ms/m,
    /^memory per idle signed-in session \| [\d,.]+ bytes \| (met|MISSED) /m,
    /^memory per signed-in session once viewed \| [\d,.]+ bytes \| (met|MISSED) /m,
    /^session cookie sent by the browser \| [\d,.]+ bytes \| (met|MISSED) /m,
  ]) {
    expect(stdout.replaceAll('  |  ', ' | ')).toMatch(row);
  }
  expect(stdout).toMatch(/server CPU per request .*, \/api \d+$/m);
}, 150_000);
