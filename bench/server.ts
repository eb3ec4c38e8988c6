// One server of the benchmark in a process of its own, driven by bench/run.ts over IPC:
// `ceiling` (bare Koa) or `app` (the app and its emulator). Nothing else runs in it, so its CPU
// time is the server's own; the load comes from the parent process.
import { journeys, sessionMemory } from './journeys.ts';
import { signIn, startBenchStack, startCeiling } from './servers.ts';

export type Command =
  | { cmd: 'cpu' }
  | { cmd: 'serve'; page: string }
  | { cmd: 'forgetNewSessions' }
  | { cmd: 'journeys'; seconds: number }
  | { cmd: 'memory'; count: number }
  | { cmd: 'close' };

export interface Ready {
  url: string;
  /** The app's signed-out page, which the ceiling serves, and the signed-in browser's cookie. */
  page?: string;
  cookie?: string;
}

const send = (message: unknown) => process.send!(message);
// Never outlive the benchmark, whatever stopped it (the app's emulator then stops with this process).
process.on('disconnect', () => process.exit(0));
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

if (process.argv[2] === 'ceiling') {
  const ceiling = await startCeiling();
  process.on('message', async ({ id, cmd, ...args }: Command & { id: number }) => {
    if (cmd === 'cpu') send({ id, result: cpu() });
    else if (cmd === 'serve') send({ id, result: ceiling.serve((args as { page: string }).page) });
    else if (cmd === 'close') {
      await ceiling.close();
      send({ id, result: null });
      process.disconnect();
    } else send({ id, error: `the ceiling cannot ${cmd}` });
  });
  send({ ready: { url: ceiling.url } satisfies Ready });
} else {
  const stack = await startBenchStack();
  const page = await (await fetch(`${stack.appOrigin}/`)).text();
  const cookie = await signIn(stack);
  const key = /b2c\.sid=([^;]+)/.exec(cookie)![1]!;
  process.on('message', async ({ id, cmd, ...args }: Command & { id: number }) => {
    try {
      if (cmd === 'cpu') send({ id, result: cpu() });
      else if (cmd === 'forgetNewSessions') send({ id, result: await stack.store.forgetNewSessions(key) });
      else if (cmd === 'journeys') send({ id, result: await journeys(stack, (args as { seconds: number }).seconds) });
      else if (cmd === 'memory') send({ id, result: await sessionMemory(stack, (args as { count: number }).count) });
      else if (cmd === 'close') {
        await stack.close();
        send({ id, result: null });
        process.disconnect();
      } else send({ id, error: `the app cannot ${cmd}` });
    } catch (error) {
      send({ id, error: (error as Error).message });
    }
  });
  await stack.store.forgetNewSessions(key);
  send({ ready: { url: `${stack.appOrigin}/`, page, cookie } satisfies Ready });
}
