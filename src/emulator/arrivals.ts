/**
 * When relay requests arrive on the emulator clock: bursts of 1 to 5 requests (a client's few calls
 * in a row, often several in one second) separated by random gaps, fixed by the seed. The gap
 * follows the account's history: a busy account calls every few seconds, a quiet one rarely.
 */
import { hash32, int, rng, type Rng } from './random.js';

const HISTORY = 90 * 86_400; // the generated history spans 90 days (logs.ts)

export class Arrivals {
  /** emulated unix seconds of the next request */
  nextAt: number;
  /** numbers the requests, 1 first: a request's log entry is generated from it */
  draw = 1;
  private readonly r: Rng;
  private readonly meanGap: number;
  private burstLeft: number;

  constructor(seed: number, salt: number, start: number, historyEntries: number) {
    this.r = rng(hash32(seed, salt, 0xa771));
    // a history of 20,000 entries gives a burst every 45 s or so; an account with almost none, every few hours
    this.meanGap = historyEntries < 100 ? 6 * 3600 : Math.min(45, Math.max(5, HISTORY / historyEntries));
    this.burstLeft = int(this.r, 0, 4);
    this.nextAt = start + this.gap();
  }

  /** Moves on to the next request. */
  next(): void {
    this.draw++;
    if (this.burstLeft > 0) {
      this.burstLeft--;
      this.nextAt += int(this.r, 0, 2);
    } else {
      this.burstLeft = int(this.r, 0, 4);
      this.nextAt += this.gap();
    }
  }

  /** Exponential gap (a Poisson process), at least one second. */
  private gap(): number {
    return Math.max(1, Math.round(-Math.log(1 - this.r()) * this.meanGap));
  }
}
