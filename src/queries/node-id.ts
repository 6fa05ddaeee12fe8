/**
 * Node ids of tasks and log entries. The upstream cannot fetch either by id, only list them in a
 * time window, so both ids start with the second they happened (`<unix>.<id or hash>`): a lookup
 * by id (src/loaders/by-id.ts) turns it back into a window query.
 */
import { hash } from 'node:crypto';
import { logOther, type LogRecord, type TaskRecord } from '../upstream/records.js';

// `<unix>.<id or hash>`, and for the n-th identical log entry of a second `.<n>` (logNodeId)
const ID = /^(\d{1,12})\.([\w-]+)(?:\.\d{1,9})?$/;

/** The second a node id was minted for, or null when it is not one of these ids. */
export const secondOfNodeId = (id: string): number | null => {
  const match = ID.exec(id);
  return match ? Number(match[1]) : null;
};

export const taskNodeId = (task: TaskRecord): string =>
  `${task.submittedAt ? Math.floor(task.submittedAt.getTime() / 1000) : 0}.${task.id}`;

/** the unix second an entry was written in */
export const second = (entry: LogRecord): number => Math.floor(entry.createdAt.getTime() / 1000);

const contentKeys = new WeakMap<LogRecord, string>();
/** The page an entry was parsed from and its place there: what its id's occurrence number counts in. */
const listedIn = new WeakMap<LogRecord, { page: readonly LogRecord[]; index: number }>();

/**
 * Remembers the listing `page` (newest first, as the upstream sent it) for the ids of its entries.
 * Only the entries that follow one of the same second, since only they can have an identical entry
 * before them: for the others logNodeId counts nothing, and a WeakMap entry for each of them was a
 * cost on every page. The hashing stays lazy (see logNodeId). A listing's records are fresh
 * objects, so each is remembered once.
 */
export function rememberListing(page: readonly LogRecord[]): void {
  for (let i = 1; i < page.length; i++) {
    if (second(page[i]) === second(page[i - 1])) listedIn.set(page[i], { page, index: i });
  }
}

/** `<created_at>.<hash of the content>`: equal for identical entries of one second. */
function contentKey(entry: LogRecord): string {
  let key = contentKeys.get(entry);
  if (key === undefined) {
    const content = [entry.type, entry.content, entry.username, entry.tokenName, entry.tokenId, entry.modelName, entry.quota,
      entry.promptTokens, entry.completionTokens, entry.useTime, entry.isStream, entry.requestId, JSON.stringify(logOther(entry))].join('\u0000');
    // An identity, not a secret: SHA-1 through the one-shot hash() is 3x cheaper than a SHA-256 Hash object.
    key = `${second(entry)}.${hash('sha1', content, 'base64url').slice(0, 16)}`;
    contentKeys.set(entry, key);
  }
  return key;
}

/**
 * A stable identity for a log entry from its content, since upstream log ids are not stable
 * (self views may renumber them): `<created_at>.<hash>`, so a lookup by key can ask the upstream for that one
 * second. Identical entries of one second (same content, same second) would share that key, so
 * the n-th of them (n ≥ 1, counted newest first among the ones listed before it) gets
 * `<created_at>.<hash>.<n>`; the first keeps the plain key. The upstream lists a second's entries
 * in a stable order (by its row id), so the numbering is the same on every request.
 *
 * Limit: n counts within the upstream page the entry came from (rememberListing). When identical
 * entries of one second straddle a page boundary, the ones on the later page are numbered from
 * that page's start, so their ids can repeat ids of the page before; a lookup by id (src/loaders/by-id.ts)
 * reads the whole second in one page and always numbers from the second's first entry.
 *
 * Computed on demand (hashing every entry of every page was the gateway's top CPU cost): only
 * the entries of the same second just before this one in its page are hashed too.
 */
export function logNodeId(entry: LogRecord): string {
  const key = contentKey(entry);
  const listed = listedIn.get(entry);
  if (!listed) return key;
  const at = second(entry);
  let n = 0;
  for (let j = listed.index - 1; j >= 0 && second(listed.page[j]) === at; j--) {
    if (contentKey(listed.page[j]) === key) n++;
  }
  return n === 0 ? key : `${key}.${n}`;
}
