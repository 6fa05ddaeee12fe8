/**
 * What happens to one account as emulated time passes: its tasks in flight move (task-flow.ts),
 * a failed task's refund is written, and relay requests arrive (arrivals.ts) as new log entries.
 * advanceTo(t) applies every event up to t in time order, so the state at t depends only on the
 * seed, t and what clients wrote, never on when or how often someone looked.
 */
import type { WireTask } from '../upstream/wire.js';
import type { Account } from './accounts.js';
import { Arrivals } from './arrivals.js';
import type { LogStore } from './logs.js';
import { applyStep, inFlight, planTask, type TaskStep } from './task-flow.js';

export class LiveAccount {
  private readonly steps: TaskStep[];
  private nextStep = 0;
  private readonly arrivals: Arrivals;
  /** emulated time everything has been applied up to */
  private time: number;

  constructor(
    account: Account,
    private readonly logs: LogStore,
    tasks: WireTask[],
    private readonly seed: number,
    start: number,
  ) {
    this.time = start;
    // the first QUEUED task of an account is the quick one: it succeeds within a minute
    const quick = tasks.find((t) => t.status === 'QUEUED');
    this.steps = tasks
      .filter(inFlight)
      .flatMap((t) => planTask(t, seed, account.salt, start, t === quick))
      .sort((a, b) => a.at - b.at || a.task.id - b.task.id);
    this.arrivals = new Arrivals(seed, account.salt, start, account.logCount);
  }

  advanceTo(t: number): void {
    if (t <= this.time) return;
    for (;;) {
      const step = this.steps[this.nextStep];
      const arrival = this.arrivals.nextAt;
      // a task step before a request in the same second: the poller's write and the relay's are independent
      if (step && step.at <= t && step.at <= arrival) {
        this.nextStep++;
        if (applyStep(step, this.seed)) this.logs.appendTask('refund', step.task, step.at);
      } else if (arrival <= t) {
        this.logs.arrive(this.arrivals.draw, arrival);
        this.arrivals.next();
      } else break;
    }
    this.time = t;
  }
}
