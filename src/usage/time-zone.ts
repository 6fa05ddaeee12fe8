/**
 * DAY and HOUR buckets in an IANA time zone. Every UTC offset since 1972 is a multiple of
 * 15 minutes and changes (DST) on such a boundary, so the local calendar of a 15-minute slot
 * is computed once with Intl and reused; logs arrive newest first, so the last slot usually hits.
 */

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the IANA zone (names are kept as given: ICU would turn Asia/Kolkata into Asia/Calcutta). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface Bucket {
  /** local calendar date, YYYY-MM-DD */
  day: string;
  /** unix seconds of the start of the local hour */
  hour: number;
}

const SLOT = 900;
/** Buckets per zone, shared by every request (a pure function of time): ~24 KB per zone and month. */
const slotsByZone = new Map<string, Map<number, Bucket>>();
const MAX_SLOTS = 1_000_000;

export class Bucketer {
  private readonly format: Intl.DateTimeFormat;
  private lastSlot = Number.NaN;
  private last: Bucket = { day: '', hour: 0 };
  private readonly slots: Map<number, Bucket>;

  constructor(timeZone: string) {
    this.format = formatter(timeZone);
    let slots = slotsByZone.get(timeZone);
    if (!slots || slots.size > MAX_SLOTS) slotsByZone.set(timeZone, (slots = new Map()));
    this.slots = slots;
  }

  /** The local day and hour of a unix second. */
  at(unix: number): Bucket {
    const slot = Math.floor(unix / SLOT);
    if (slot === this.lastSlot) return this.last;
    let bucket = this.slots.get(slot);
    if (!bucket) {
      bucket = this.compute(slot * SLOT);
      this.slots.set(slot, bucket);
    }
    this.lastSlot = slot;
    this.last = bucket;
    return bucket;
  }

  private compute(start: number): Bucket {
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(new Date(start * 1000))) parts[part.type] = part.value;
    return {
      day: `${parts.year.padStart(4, '0')}-${parts.month}-${parts.day}`,
      hour: start - Number(parts.minute) * 60 - Number(parts.second),
    };
  }
}
