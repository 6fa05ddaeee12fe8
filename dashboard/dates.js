// @ts-check
/** Calendar days in an IANA time zone, with nothing but Intl: the range the dashboard asks for. */

/** `zone` when the browser knows it (kept as typed: Intl would rename Asia/Ho_Chi_Minh Asia/Saigon); null otherwise. */
export function checkZone(/** @type {string} */ zone) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

/** The date, YYYY-MM-DD, in `zone` at `instant` (ms; default now). */
export function today(/** @type {string} */ zone, instant = Date.now()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** YYYY-MM-DD plus `days` (calendar arithmetic, no zone involved). */
export function addDays(/** @type {string} */ day, /** @type {number} */ days) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Every day from `first` to `last`, both included. */
export function daysBetween(/** @type {string} */ first, /** @type {string} */ last) {
  const days = [];
  for (let day = first; day <= last && days.length < 3700; day = addDays(day, 1)) days.push(day);
  return days;
}

/** How far `zone`'s wall clock is ahead of UTC at `instant` (ms). */
function offsetMs(/** @type {number} */ instant, /** @type {string} */ zone) {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant (ms) `day` begins in `zone`: local midnight under the offset before or after a change
 * that day, whichever is earliest and still on `day` (where clocks skip midnight, the day begins at
 * the change, e.g. 01:00 in Santiago in September).
 */
export function startOfDay(/** @type {string} */ day, /** @type {string} */ zone) {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - offsetMs(wall, zone);
  const second = wall - offsetMs(first, zone);
  const candidates = [first, second, wall - offsetMs(second, zone)].filter((t) => today(zone, t) === day);
  return candidates.length ? Math.min(...candidates) : first;
}

/** The usage/tasks window of whole days `first`..`last` in `zone`: from its first second to its last (both inclusive). */
export function rangeOf(/** @type {string} */ first, /** @type {string} */ last, /** @type {string} */ zone) {
  return {
    from: new Date(startOfDay(first, zone)).toISOString(),
    to: new Date(startOfDay(addDays(last, 1), zone) - 1000).toISOString(),
  };
}
