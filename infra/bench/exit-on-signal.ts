/**
 * Preloaded (`-r`) into product processes when the benchmark profiles them. `--cpu-prof` writes
 * its file only on a normal exit, while Nest's shutdown hooks end a service by raising the signal
 * again once it has closed; with this listener present, that second signal exits normally.
 */
let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(0);
    // A process without shutdown hooks gets one more moment to finish, then leaves.
    setTimeout(() => process.exit(0), 4000).unref();
  });
}
export {};
