/**
 * The emulator's clock: emulated unix seconds = start + real elapsed time × speed + manual advances.
 * Everything that moves (tasks, new log entries) is scheduled on this clock, so speed 0 with
 * advance() lets tests step through time without sleeping.
 */

export class EmulatorClock {
  private readonly realStart: number;
  private advanced = 0;

  constructor(
    /** unix seconds at the emulator's start (the data's "now") */
    readonly start: number,
    /** emulated seconds per real second; 0 freezes the clock (only advance() moves it) */
    readonly speed: number,
    /** real time in milliseconds; Date.now unless a test injects its own */
    private readonly realNow: () => number = Date.now,
  ) {
    if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`speed must be a finite number >= 0, got ${speed}`);
    this.realStart = realNow();
  }

  /** Emulated unix seconds; never goes backwards even if the injected real time does. */
  now(): number {
    const elapsed = Math.max(0, this.realNow() - this.realStart) / 1000;
    return this.start + Math.floor(elapsed * this.speed) + this.advanced;
  }

  /** Moves emulated time forward by `seconds` (whole, >= 0). */
  advance(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`advance takes whole seconds >= 0, got ${seconds}`);
    this.advanced += seconds;
  }
}
