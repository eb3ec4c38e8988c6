// One app instance as an operator starts it: `src/main.ts` in a process of its own, configured only
// through the environment.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../support/ports.ts';

export interface Instance {
  port: number;
  /** Everything it printed (its log). */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, ...env, SERVER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');

  // Up when it answers; a process that exits first has failed to start.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance exited at start: ${output}`);
    const answered = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (answered) break;
    if (Date.now() > deadline) throw new Error(`instance did not answer within 20 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    port,
    output: () => output,
    alive: () => child.exitCode === null,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
