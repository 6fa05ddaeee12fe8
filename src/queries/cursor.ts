/**
 * Cursors of the logs connection. They hold the offset, an anchor and a total: the newest
 * `created_at` of the first page, and how many entries the listing up to it held. Later pages
 * cap `to` at the anchor, so entries that arrive later do not shift the offsets; those arriving
 * within the anchor second itself are listed first (newest first), and the growth of the total
 * says by how much to shift (log-connection.ts).
 */
import { badInput } from './validate.js';

export interface Cursor {
  offset: number;
  anchor: number | null;
  total: number | null;
}

export const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(`log:${cursor.offset}:${cursor.anchor ?? ''}:${cursor.total ?? ''}`).toString('base64url');

export function decodeCursor(argument: string, value: string): Cursor {
  const match = /^log:(\d{1,9}):(\d{0,12})(?::(\d{0,12}))?$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match) throw badInput(argument, 'not a cursor this API issued');
  const number = (text: string | undefined) => (text ? Number(text) : null);
  return { offset: Number(match[1]), anchor: number(match[2]), total: number(match[3]) };
}
