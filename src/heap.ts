/**
 * V8 memory settings of the CLI process: src/main.ts holds the young generation and TurboFan before it
 * loads the CLI and the gateway's modules (src/cli.ts); the CLI collects the start's garbage before it
 * listens and settles the heap once it serves.
 *
 * - While loading, the young generation keeps its initial size. V8 doubles it when many objects
 *   survive a minor GC, as they do while the schema is built, and never gives that back: an idle
 *   gateway held 32 MB of empty young generation. Once serving (`settleHeap`), it may grow again
 *   as V8 likes, so a gateway under load has the same young generation as before.
 * - While loading, TurboFan is off. Building the schema made ~140 functions hot that serve no request,
 *   and TurboFan's compiler threads kept what their compiles had allocated in their malloc arenas:
 *   0-9 MiB, depending on how the threads were scheduled. Once serving, functions hot under requests are
 *   optimized as before.
 * - The start leaves garbage behind (the schema build, module loading) in half-empty pages of the old
 *   generation. Before the server listens, `collectStartGarbage` runs V8's low-memory GC, the one V8's
 *   memory reducer runs by itself once a process has idled ~8 s: it frees that garbage, compacts the
 *   old generation, gives the emptied pages back and shrinks the young generation to its initial size,
 *   so a gateway is as small from its first request as it used to be once idle for ~10 s. A plain
 *   full GC (`gc()`) frees the garbage but keeps the pages.
 * - Under load V8 lets the old generation grow to several times what the last full GC kept before
 *   collecting again, and most of the gateway's memory under load was that headroom over a live
 *   heap of 25-35 MB. `settleHeap` caps the growth (`--heap-growth`, 100% by default).
 * V8 reads these flags when it resizes or tiers up, so setting them at run time takes effect. A value given to
 * node itself (`node --heap-growing-percent=30 …`) is left as it is. Figures: docs/benchmarks.md.
 */
import type { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';

/** V8's own factor (`node --v8-options`) */
const DEFAULT_SEMI_SPACE_GROWTH = 2;

/** Whether node was started with V8 flag `name` (V8 takes `_` for `-`). Only the command line: NODE_OPTIONS refuses V8 flags other than a few such as --jitless, which this does not see there. */
const givenToNode = (name: string) => process.execArgv.some((arg) => arg.replaceAll('_', '-').split('=')[0] === name);
const youngGenerationGiven = givenToNode('--semi-space-growth-factor');
/** TurboFan's flag and its alias, either way, and --jitless, which turning TurboFan on would contradict */
const turbofanGiven = ['--turbofan', '--no-turbofan', '--opt', '--no-opt', '--jitless'].some(givenToNode);

/** whether holdWhileLoading holds now: the CLI releases at once for a command that does not serve, settleHeap for one that does */
let held = false;

/** Before loading: the young generation keeps its initial size and TurboFan is off until `settleHeap`. */
export function holdWhileLoading(): void {
  held = true;
  if (!youngGenerationGiven) setFlagsFromString('--semi-space-growth-factor=1');
  if (!turbofanGiven) setFlagsFromString('--no-turbofan');
}

/** The end of `holdWhileLoading`: the young generation may grow again, TurboFan is on. */
export function releaseHold(): void {
  if (!held) return;
  held = false;
  if (!youngGenerationGiven) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH}`);
  if (!turbofanGiven) setFlagsFromString('--turbofan');
}

/** Once serving: the hold released; the old generation grows at most `growthPercent` (0: as V8 likes). */
export function settleHeap(growthPercent: number): void {
  releaseHold();
  if (growthPercent > 0 && !givenToNode('--heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${growthPercent}`);
}

/**
 * Once loaded, before listening: V8's low-memory GC. Node offers it only through the inspector protocol
 * (`HeapProfiler.collectGarbage`, DevTools' "collect garbage"), over an in-process session that opens no
 * port. Only memory is at stake: where the inspector is missing (a Node built without it), forbidden
 * (`--experimental-permission`) or refuses, V8's memory reducer does the same a few seconds later.
 */
export async function collectStartGarbage(): Promise<void> {
  let session: Session;
  try {
    session = new (await import('node:inspector/promises')).Session();
    session.connect();
  } catch {
    return;
  }
  await session.post('HeapProfiler.collectGarbage').catch(() => undefined);
  // after the await, not in the reply's callback: disconnecting there hangs Node 20
  session.disconnect();
}
