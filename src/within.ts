// One deadline helper for every wait that must not hang: the identity calls the bridge runs, the
// readiness checks, the drain at shutdown.

/** How `work` settled, or undefined when it had not after `ms`. The timer goes with the answer. */
export async function within<T>(ms: number, work: Promise<T>): Promise<{ output: T } | { error: unknown } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([work.then((output) => ({ output }), (error: unknown) => ({ error })), late]);
  } finally {
    clearTimeout(timer);
  }
}
