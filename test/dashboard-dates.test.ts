/** The dashboard's calendar days in an IANA zone (dashboard/dates.js, plain browser code run here by Node's Intl). */
import { describe, expect, it } from 'vitest';

// A browser module without declarations: imported by a computed path so the root tsconfig does not type it (dashboard/tsconfig.json does).
const path = '../dashboard/dates.js';
const dates = (await import(path)) as {
  checkZone(zone: string): string | null;
  addDays(day: string, days: number): string;
  daysBetween(first: string, last: string): string[];
  startOfDay(day: string, zone: string): number;
  rangeOf(first: string, last: string, zone: string): { from: string; to: string };
};

describe('dashboard dates', () => {
  it('finds where a local day begins, across DST changes and far from UTC', () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(iso(dates.startOfDay('2026-11-30', 'UTC'))).toBe('2026-11-30T00:00:00.000Z');
    expect(iso(dates.startOfDay('2026-11-30', 'Asia/Ho_Chi_Minh'))).toBe('2026-11-29T17:00:00.000Z');
    // Paris: CET before the spring change (29 March 2026), CEST after, CET again after 25 October.
    expect(iso(dates.startOfDay('2026-03-29', 'Europe/Paris'))).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(dates.startOfDay('2026-03-30', 'Europe/Paris'))).toBe('2026-03-29T22:00:00.000Z');
    expect(iso(dates.startOfDay('2026-10-26', 'Europe/Paris'))).toBe('2026-10-25T23:00:00.000Z');
    // A day that begins at 01:00 local time: Santiago skips midnight in spring (6 September 2026).
    expect(iso(dates.startOfDay('2026-09-06', 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
    expect(iso(dates.startOfDay('2026-11-30', 'Pacific/Kiritimati'))).toBe('2026-11-29T10:00:00.000Z');
  });

  it('gives whole-day windows, inclusive to the last second', () => {
    expect(dates.rangeOf('2026-03-29', '2026-03-29', 'Europe/Paris')).toEqual({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T21:59:59.000Z' });
    expect(dates.rangeOf('2026-11-01', '2026-11-30', 'UTC')).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-30T23:59:59.000Z' });
  });

  it('counts calendar days and refuses unknown zones', () => {
    expect(dates.addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(dates.addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(dates.daysBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(dates.daysBetween('2026-12-30', '2026-12-29')).toEqual([]);
    expect(dates.checkZone('Asia/Ho_Chi_Minh')).toBe('Asia/Ho_Chi_Minh');
    expect(dates.checkZone('Mars/Olympus')).toBeNull();
  });
});
