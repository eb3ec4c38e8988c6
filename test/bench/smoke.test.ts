// The benchmark still runs, peers included: a quick pass (about a second per case) prints every
// figure for this app, the tutorial's Express app and the express-openid-connect app. The figures
// themselves are never asserted here; `npm run bench` measures them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const APPS = ['this app', 'express-openid-connect', "tutorial's Express app"];
const number = '[\\d,.]+';

it('npm run bench --quick prints every case of every app, with its ratio, CPU or target', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick'], {
    timeout: 240_000,
  });
  const printed = stdout.replaceAll('  |  ', ' | ');
  expect(printed).toMatch(new RegExp(`^bare Koa, constant signed-out page \\(ceiling\\) \\| ${number} req/s \\| 1\\.00 × \\| \\d+ µs CPU/request`, 'm'));
  for (const app of APPS) {
    // This app's rows carry their verdict; its peers' carry none.
    const verdict = app === 'this app' ? ' \\| (met|MISSED) \\(target' : '';
    for (const name of ['GET / signed out', 'GET / signed in', 'GET /signin']) {
      expect(printed).toMatch(new RegExp(`^${name} \\| ${app} \\| ${number} req/s \\| [\\d.]+ × \\| \\d+ µs CPU/request \\| p50/p99 \\d+/\\d+ ms${verdict}`, 'm'));
    }
    expect(printed).toMatch(new RegExp(`^sign-in journey, app CPU per journey \\| ${app} \\| ${number} ms \\|${verdict ? `${verdict.slice(3)}.*\\| ` : ' '}${number} journeys/s, p50 \\d+ ms, p99 \\d+ ms`, 'm'));
    expect(printed).toMatch(new RegExp(`^session cookie sent by the browser \\| ${app} \\| ${number} bytes`, 'm'));
  }
  // The floors: the order's stack alone, then with the headers and the log every answer has.
  for (const floor of ["floor: the order's stack alone, a constant page", 'floor: the same with the security headers and the request log']) {
    for (const name of ['GET / signed out', 'GET / signed in', 'GET /signin']) {
      expect(printed).toMatch(new RegExp(`^${name} \\| ${floor} \\| ${number} req/s \\| [\\d.]+ × \\| \\d+ µs CPU/request .*no version of this app can cost less`, 'm'));
    }
  }
  // The floor that also signs people in: a whole journey's.
  expect(printed).toMatch(new RegExp(`^sign-in journey, app CPU per journey \\| floor: the same with the security headers and the request log \\| ${number} ms \\| ${number} journeys/s, p50 \\d+ ms, p99 \\d+ ms, \\d+ journeys; .*no version of this app can cost less`, 'm'));
  expect(printed).toMatch(/^GET \/api signed in .* \| this app \| [\d,.]+ req\/s \| [\d.]+ × \| \d+ µs CPU\/request/m);
  expect(printed).toMatch(/^memory per idle signed-in session \| this app \| [\d,.]+ bytes \| (met|MISSED) /m);
  expect(printed).toMatch(/^memory per signed-in session once viewed \| this app \| [\d,.]+ bytes/m);
  expect(printed).toMatch(/^load average before the run /m);
}, 300_000);
