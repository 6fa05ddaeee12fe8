/**
 * What happens to one account as emulated time passes: its tasks in flight move (task-flow.ts) and
 * a failed task's refund is written; relay requests arrive (arrivals.ts) as new log entries; a busy
 * account submits a new task now and then, charged as new-api charges it. advanceTo(t) applies every
 * event up to t in time order, so the state at t depends only on the seed, t and what clients wrote,
 * never on when or how often someone looked.
 */
import type { WireTask } from '../upstream/wire.js';
import type { Account } from './accounts.js';
import { Arrivals } from './arrivals.js';
import type { LogStore } from './logs.js';
import { hash32, rng } from './random.js';
import { applyStep, inFlight, planTask, type TaskStep } from './task-flow.js';
import { submittedTask } from './tasks.js';

/** A busy account (ten tasks or more in its history) submits a task every quarter hour or so. */
const SUBMIT_GAP = 900;
const BUSY = 10;

/** Row ids for new tasks: unique across accounts and rising with time, like an auto-increment. */
export interface TaskIds {
  /** the first id after every task built at the start */
  first: number;
  /** this account's position and the number of accounts: account i takes first + i, first + i + n, … */
  index: number;
  accounts: number;
}

export class LiveAccount {
  /** pending task steps, earliest first */
  private readonly steps: TaskStep[];
  private readonly arrivals: Arrivals;
  private nextSubmit: number;
  private submitted = 0;
  private gaps = 0;
  /** emulated time everything has been applied up to */
  private time: number;

  constructor(
    private readonly account: Account,
    private readonly logs: LogStore,
    /** the account's tasks, newest first; new ones go to the front */
    private readonly tasks: WireTask[],
    private readonly seed: number,
    start: number,
    private readonly ids: TaskIds,
  ) {
    this.time = start;
    // the first QUEUED task of an account is the quick one: it succeeds within a minute
    const quick = tasks.find((t) => t.status === 'QUEUED');
    this.steps = tasks.filter(inFlight).flatMap((t) => planTask(t, seed, account.salt, start, t === quick));
    this.steps.sort(byTime);
    this.arrivals = new Arrivals(seed, account.salt, start, account.logCount);
    this.nextSubmit = account.taskCount >= BUSY ? start + this.submitGap() : Number.POSITIVE_INFINITY;
  }

  advanceTo(t: number): void {
    if (t <= this.time) return;
    for (;;) {
      const step = this.steps[0];
      const next = Math.min(step?.at ?? Number.POSITIVE_INFINITY, this.arrivals.nextAt, this.nextSubmit);
      if (next > t) break;
      // in one second: the poller's task updates, then a submission, then other requests
      if (step && step.at === next) {
        this.steps.shift();
        if (applyStep(step, this.seed)) this.logs.appendTask('refund', step.task, step.at);
      } else if (this.nextSubmit === next) {
        this.submit(next);
        this.nextSubmit += this.submitGap();
      } else {
        this.logs.arrive(this.arrivals.draw, next);
        this.arrivals.next();
      }
    }
    this.time = t;
  }

  /** A new task at `at`: charged, listed, and planned; nothing when new-api would refuse it. */
  private submit(at: number): void {
    const n = this.submitted;
    const task = submittedTask(this.account, rng(hash32(this.seed, this.account.salt, 0x5ab2, n)), this.ids.first + this.ids.index + n * this.ids.accounts, at);
    if (!this.logs.canSubmit(task, at)) return;
    this.submitted++;
    this.logs.appendTask('charge', task, at);
    this.tasks.unshift(task);
    this.steps.push(...planTask(task, this.seed, this.account.salt, at, false));
    this.steps.sort(byTime);
  }

  /** Exponential gaps from the seed, one stream per account, at least a minute. */
  private submitGap(): number {
    const u = hash32(this.seed, this.account.salt, 0x5ab1, this.gaps++) / 2 ** 32;
    return Math.max(60, Math.round(-Math.log(1 - u) * SUBMIT_GAP));
  }
}

function byTime(a: TaskStep, b: TaskStep): number {
  return a.at - b.at || a.task.id - b.task.id;
}
