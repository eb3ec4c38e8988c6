// One of the project's entry scripts (src/…/main.ts) in a process of its own, as `npm run …` starts
// it, with everything it prints kept.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function runScript(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => { out.stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out.stderr += chunk.toString(); });
  return { child, out, exited: once(child, 'exit') as Promise<[number | null, string | null]> };
}

/** Resolves once the script has printed `text`; rejects if it exits first. */
export function printed({ child, out, exited }: ReturnType<typeof runScript>, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => {
      if (out.stdout.includes(text)) resolve();
    });
    void exited.then(() => reject(new Error(`exited early: ${out.stderr}`)));
  });
}

/** The script refused its configuration as start-up should: exit 1, nothing on stdout, one line on
 *  stderr, starting with the variable's name. */
export async function expectRefusedNaming(script: ReturnType<typeof runScript>, name: string): Promise<void> {
  const [code] = await script.exited;
  expect(code).toBe(1);
  expect(script.out.stdout).toBe('');
  expect(script.out.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(script.out.stderr).toMatch(new RegExp(`^${name} `));
}
