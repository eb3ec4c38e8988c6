// Preloaded (`node --require`) into a server the benchmark spawns without changing its code (the
// tutorial's app): the process exits when the benchmark's goes, whatever stopped it. The IPC
// channel is unreferenced, so it keeps nothing alive and costs a request nothing.
if (process.channel) {
  process.channel.unref();
  process.on('disconnect', () => process.exit(0));
}
