/**
 * When the emulator's logs happen: an hourly timeline over the last 90 days with a daily rhythm
 * in local time, quieter weekends, growth, day-to-day noise and the odd batch-job spike.
 */
import { hash32 } from './random.js';

export const HOUR = 3600;
const HOURS = 90 * 24;
const TZ = 7 * HOUR; // YEScale's users are mostly in UTC+7: the daily rhythm follows local time

/** Hourly weights -> first base index of each hour bucket (bucket 0 = the hour ending now). */
export function timeline(n: number, seed: number, salt: number, now: number): Int32Array {
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
