/** src/heap.ts: what the V8 settings of the CLI process hold while loading, and give back once serving. */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('holds TurboFan off while loading and lets it optimize again once settled', () => {
  // two functions made equally hot, one while held and one once settled; --trace-opt names each function it
  // marks (without on-stack replacement, which would optimize the loop around them instead)
  const script = `
    import { holdWhileLoading, settleHeap } from './src/heap.ts';
    const work = (n) => { let x = 0; for (let i = 0; i < n; i++) x += i % 7; return x; };
    function heldFn(n) { return work(n); }
    function freeFn(n) { return work(n); }
    holdWhileLoading();
    for (let i = 0; i < 20000; i++) heldFn(1000);
    settleHeap(0);
    for (let i = 0; i < 20000; i++) freeFn(1000);`;
  const res = spawnSync(process.execPath, ['--trace-opt', '--no-use-osr', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(res.status).toBe(0);
  expect(res.stdout).toMatch(/JSFunction freeFn .*TURBOFAN/);
  expect(res.stdout).not.toMatch(/JSFunction heldFn .*TURBOFAN/);
});
