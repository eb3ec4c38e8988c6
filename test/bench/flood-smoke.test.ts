// `npm run flood` (issue #20) still runs: a small flood per route and store prints every figure.
// The memory and throughput figures are printed, never asserted; what is asserted is what must hold
// at any size: every request answered without a 5xx, the person's sign-in completed during the
// /signin flood, and no Redis key left by anonymous visitors.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { skipRedis } from '../support/redis.ts';

const routes: [name: string, amount: string, status: string][] = [
  ['GET /signin', '3,000', '302'],
  ['GET /password signed out', '1,000', '302'],
  ['GET /profile signed out', '1,000', '302'],
  ['GET /redirect forged state\\+code', '1,000', '303'],
];

it('npm run flood with a small N prints each route\'s figures, a completed journey and no Redis key added', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/flood.ts'], {
    env: { ...process.env, FLOOD_REQUESTS: '3000', FLOOD_OTHER_REQUESTS: '1000' },
    timeout: 150_000,
  });
  const [memory = '', redis = ''] = stdout.split(/^## /m).slice(1);

  const mb = '-?[\\d,.]+ MB';
  for (const [name, amount, status] of routes) {
    const figures = `\\| ${name} \\| ${amount} of ${amount} \\| [\\d,]+ \\| ${status} ×${amount} \\| 0 \\(timeouts 0\\) \\| ${mb} \\| ${mb} \\| [+]?${mb} \\| (PASS|MISSED) \\|`;
    expect(memory).toMatch(new RegExp(`^${figures}$`, 'm'));
    if (!skipRedis) expect(redis).toMatch(new RegExp(`^${figures} [\\d,]+ → [\\d,]+( \\(\\d+ the journey's\\))? \\| 0 PASS \\|$`, 'm'));
  }
  for (const section of skipRedis ? [memory] : [memory, redis]) {
    expect(section).toMatch(/^sign-in journey during the GET \/signin flood: completed in [\d,]+ ms .*greeting "Hi \S+" seen$/m);
    expect(section).toMatch(/^whole run: RSS [\d,.]+ MB → [\d,.]+ MB/m);
  }
  expect(memory).toMatch(/^memory store/);
  if (skipRedis) expect(redis).toMatch(/^SESSION_STORE=redis:\/\/: skipped: /);
  else expect(redis).toMatch(/^SESSION_STORE=redis:\/\/127\.0\.0\.1:\d+\n/);
}, 180_000);
