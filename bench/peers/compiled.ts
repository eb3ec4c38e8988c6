// `npm start` runs the app through tsx, which compiles each TypeScript module as it is loaded. What
// that costs, against the same code compiled ahead by tsc and run by plain node: per request (the
// compiled app as one more peer in the side-by-side run, `--compiled`) and at start-up.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorReady } from '../emulator.ts';
import { cpuMicros } from '../servers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The project compiled by tsc into a temporary directory laid out as the project is (relative
 *  imports rewritten to .js), with what the app reads at run time beside it. Removed at exit. */
export async function compileApp(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-compiled-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  // Type errors elsewhere in the tree (work in progress) do not stop the emit: only the output counts.
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--noEmit', 'false', '--outDir', dir, '--rewriteRelativeImportExtensions'], { stdio: 'ignore' });
  } catch {
    // tsc exits 2 when it found type errors, having emitted anyway.
  }
  for (const name of ['node_modules', 'views', 'package.json']) symlinkSync(join(ROOT, name), join(dir, name));
  cpSync(join(ROOT, 'src/flow/assets'), join(dir, 'src/flow/assets'), { recursive: true });
  return dir;
}

/** Wall and CPU time from spawn to "App listening at", then to the first /signin answered (its
 *  user flow's metadata fetched), for `npm start`'s way (the tsx CLI), `node --import tsx`, and the
 *  compiled code; `times` runs of each, interleaved. */
export async function startupTimes(compiledDir: string, emulator: EmulatorReady, port: () => Promise<number>, times: number) {
  const ways = [
    { name: 'tsx src/main.ts (npm start)', args: [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'] },
    { name: 'node --import tsx src/main.ts', args: ['--import', 'tsx', 'src/main.ts'] },
    { name: 'node src/main.js compiled by tsc', args: [join(compiledDir, 'src/main.js')] },
  ];
  const results = new Map(ways.map((way) => [way.name, { listening: [] as number[], firstSignin: [] as number[], cpu: [] as number[] }]));
  for (let run = 0; run < times; run += 1) {
    for (const way of ways) {
      const serverPort = await port();
      const origin = `http://localhost:${serverPort}`;
      const susi = emulator.authorities.signUpSignIn;
      const started = performance.now();
      const child = spawn(process.execPath, way.args, {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_EXTRA_CA_CERTS: emulator.caCertPath,
          DOTENV_PATH: '/dev/null',
          SERVER_PORT: String(serverPort),
          APP_CLIENT_ID: 'bench-startup',
          APP_CLIENT_SECRET: 'bench-startup-secret',
          SESSION_SECRET: 'bench-startup-session-secret-0123456789',
          SIGN_UP_SIGN_IN_POLICY_AUTHORITY: susi,
          EDIT_PROFILE_POLICY_AUTHORITY: emulator.authorities.editProfile,
          RESET_PASSWORD_POLICY_AUTHORITY: emulator.authorities.resetPassword,
          AUTHORITY_DOMAIN: emulator.origin,
          APP_REDIRECT_URI: `${origin}/redirect`,
          LOGOUT_ENDPOINT: `${susi}/oauth2/v2.0/logout?post_logout_redirect_uri=${origin}`,
          WEB_API_URI: emulator.api.uri,
          WEB_API_SCOPES: emulator.api.scope,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = once(child, 'exit');
      try {
        await new Promise<void>((resolve, reject) => {
          let output = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            if (output.includes('App listening at')) resolve();
          });
          void exited.then(() => reject(new Error(`${way.name} exited before listening:\n${output}`)));
        });
        const listening = performance.now() - started;
        // The tsx CLI runs the app in a child process of its own: its CPU time is not the CLI's.
        const cpu = way.args[0]!.endsWith('cli.mjs') ? NaN : cpuMicros(child.pid!) / 1000;
        const response = await fetch(`${origin}/signin`, { redirect: 'manual' });
        await response.arrayBuffer();
        if (response.status !== 302) throw new Error(`${way.name}: /signin answered ${response.status}`);
        const result = results.get(way.name)!;
        result.listening.push(listening);
        result.firstSignin.push(performance.now() - started);
        result.cpu.push(cpu);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  return ways.map(({ name }) => {
    const r = results.get(name)!;
    return { name, listeningMs: median(r.listening), firstSigninMs: median(r.firstSignin), cpuMs: median(r.cpu) };
  });
}
