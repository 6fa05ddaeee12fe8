/**
 * When the generated history's entries were written: an hourly timeline over 90 days (daily rhythm in
 * UTC+7, weekends, growth, a few batch spikes). Base index 0 is the newest; created_at never increases
 * with the index, so a time window is an index range found by binary search.
 */
import { hash32 } from './random.js';

const HOUR = 3600;
const HOURS = 90 * 24;
const TZ = 7 * HOUR; // YEScale's users are mostly in UTC+7: the daily rhythm follows local time

export class Timeline {
  private readonly bucketStart: Int32Array;

  constructor(
    n: number,
    seed: number,
    salt: number,
    private readonly now: number,
  ) {
    this.bucketStart = timeline(n, seed, salt, now);
  }

  /** created_at of base index b (0 = newest) */
  createdAt(b: number): number {
    // bucket h holds base indices [bucketStart[h], bucketStart[h+1]) within hour [now-(h+1)h, now-h*h]
    const starts = this.bucketStart;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= b) lo = mid;
      else hi = mid - 1;
    }
    const c = starts[lo + 1] - starts[lo];
    return this.now - lo * HOUR - Math.floor(((b - starts[lo]) * HOUR) / c);
  }
}

/** Hourly weights -> first base index of each hour bucket (bucket 0 = the hour ending now). */
function timeline(n: number, seed: number, salt: number, now: number): Int32Array {
  const w = new Float64Array(HOURS);
  let total = 0;
  for (let h = 0; h < HOURS; h++) {
    const local = now - h * HOUR - HOUR / 2 + TZ;
    const hourOfDay = Math.floor(local / HOUR) % 24;
    const day = Math.floor(local / 86_400);
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    const diurnal = 0.12 + bell(hourOfDay, 10, 8) + 0.9 * bell(hourOfDay, 15, 10) + 0.5 * bell(hourOfDay, 21, 6);
    const week = weekday === 0 || weekday === 6 ? 0.55 : 1;
    const growth = 1 + 1.5 * (1 - h / HOURS);
    const noise = 0.7 + 0.6 * (hash32(seed, salt, day, 0xda7) / 2 ** 32);
    const spike = hash32(seed, salt, day * 24 + hourOfDay, 0x5b1) / 2 ** 32 < 0.01 ? 4 : 1; // batch jobs
    total += w[h] = diurnal * week * growth * noise * spike;
  }
  const starts = new Int32Array(HOURS + 1);
  let acc = 0;
  for (let h = 0; h < HOURS; h++) {
    starts[h] = Math.round((acc / total) * n);
    acc += w[h];
  }
  starts[HOURS] = n;
  return starts;
}

function bell(x: number, mu: number, width: number): number {
  return Math.exp(-((x - mu) ** 2) / width);
}
