// One of the project's entry scripts (src/…/main.ts) in a process of its own, as `npm run …` starts
// it, with everything it prints kept.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function runScript(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => { out.stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out.stderr += chunk.toString(); });
  return { child, out, exited: once(child, 'exit') as Promise<[number | null, string | null]> };
}
