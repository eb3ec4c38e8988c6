// Preloaded into a process under test (`node --import tsx --import ./test/support/reject-on-signal.ts
// <script>`), so it runs in that process beside the script: on SIGUSR2 it rejects a promise nobody
// awaits, as a forgotten `await` in the app would. What the process does next is the script's.
process.on('SIGUSR2', () => {
  void Promise.reject(new Error('a promise nobody awaited (reject-on-signal)'));
});
