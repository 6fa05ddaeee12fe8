/** CallSignal (src/upstream/abortable.ts): the part of AbortSignal a shared upstream call is aborted through. */
import { describe, expect, it } from 'vitest';
import { CallSignal } from '../../src/upstream/abortable.js';

describe('CallSignal', () => {
  it("a shared call's signal calls each listener still added once, with the reason set first", () => {
    const signal = new CallSignal();
    const heard: unknown[] = [];
    const removed = () => heard.push('removed');
    signal.addEventListener('abort', () => heard.push(signal.reason), { once: true });
    signal.addEventListener('abort', removed);
    signal.removeEventListener('abort', removed);
    signal.abort('gone');
    signal.abort('again');
    signal.addEventListener('abort', () => heard.push('late'));
    expect([signal.aborted, signal.reason, heard]).toEqual([true, 'gone', ['gone']]);
  });

  it('a listener that throws does not keep the others from running; its error is thrown after them', () => {
    const signal = new CallSignal();
    const heard: string[] = [];
    signal.addEventListener('abort', () => heard.push('first'));
    signal.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    signal.addEventListener('abort', () => heard.push('third'));
    expect(() => signal.abort('deadline')).toThrow('listener failed');
    expect(heard).toEqual(['first', 'third']);
  });
});
