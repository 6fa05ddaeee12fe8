// Preloaded into the gateway by bench/subscriptions.ts (with --expose-gc): SIGUSR2 runs a full GC,
// so the bench reads the heap of live objects only.
process.on('SIGUSR2', () => globalThis.gc?.());
