/**
 * Fault injection: which request gets which misbehaviour. Decisions are deterministic
 * (seeded PRNG) so a flaky-upstream test fails the same way every run.
 */
import { rng, type Rng } from './random.js';

export type FaultMode =
  | 'latency' | 'http500' | 'http502' | 'http503' | 'http429' | 'reset' | 'hang'
  | 'truncated' | 'nonJson' | 'wrongShape' | 'slowDrip' | 'invalidToken' | 'otherVersion'
  /** a page object whose `total` claims 100 more rows than the listing has (plain arrays unchanged) */
  | 'overstatedTotal';

export interface Fault {
  mode: FaultMode;
  /** only this /yescale/... path; default all */
  path?: string;
  /** for 'latency', and extra delay before any other mode */
  latencyMs?: number;
  /** apply to the next N matching requests, then clear; default unlimited */
  count?: number;
  /** 0..1 probability per matching request; default 1 */
  rate?: number;
  /** slowDrip: ms between chunks (default 200) */
  dripMs?: number;
}

export const FAULT_MODES: readonly FaultMode[] = [
  'latency', 'http500', 'http502', 'http503', 'http429', 'reset', 'hang',
  'truncated', 'nonJson', 'wrongShape', 'slowDrip', 'invalidToken', 'otherVersion', 'overstatedTotal',
];

/**
 * 'otherVersion': the normal answer as an upstream of another release might send it, with one field
 * renamed and one enum value the gateway does not know per record (values outside the lists in
 * src/upstream/wire.ts). Valid JSON of the right shape, so only a field-level check can notice it.
 */
const OTHER_VERSION: Record<string, { rename: [string, string]; value: [string, unknown] }> = {
  '/yescale/user': { rename: ['display_name', 'nickname'], value: ['role', 5] },
  '/yescale/apikeylist': { rename: ['expired_time', 'expires_at'], value: ['status', 5] },
  '/yescale/task': { rename: ['progress', 'progress_percent'], value: ['status', 'CANCELLED'] },
  '/yescale/logs': { rename: ['use_time', 'use_time_ms'], value: ['type', 99] },
};

export function otherVersion(path: string, body: string): string {
  const change = OTHER_VERSION[path];
  const envelope = JSON.parse(body) as { data?: unknown };
  if (!change || envelope.data === undefined || envelope.data === null) return body;
  const data = envelope.data as Record<string, unknown> | Record<string, unknown>[];
  const records = Array.isArray(data) ? data : Array.isArray(data.items) ? (data.items as Record<string, unknown>[]) : [data];
  for (const r of records) {
    const [from, to] = change.rename;
    if (from in r) {
      r[to] = r[from];
      delete r[from];
    }
    r[change.value[0]] = change.value[1];
  }
  return JSON.stringify(envelope);
}

/** Throws a readable error for anything that is not a Fault (used by the HTTP control surface). */
export function parseFault(value: unknown): Fault | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('fault must be an object');
  const v = value as Record<string, unknown>;
  if (Object.keys(v).length === 0) return null;
  if (!FAULT_MODES.includes(v.mode as FaultMode)) throw new Error(`unknown fault mode: ${String(v.mode)}`);
  for (const k of ['latencyMs', 'count', 'rate', 'dripMs'] as const) {
    if (v[k] !== undefined && (typeof v[k] !== 'number' || !Number.isFinite(v[k]) || (v[k] as number) < 0)) {
      throw new Error(`fault.${k} must be a non-negative number`);
    }
  }
  if (v.path !== undefined && typeof v.path !== 'string') throw new Error('fault.path must be a string');
  return v as unknown as Fault;
}

export class FaultInjector {
  private fault: Fault | null = null;
  private remaining = Infinity;
  private roll: Rng;

  constructor(private readonly seed: number) {
    this.roll = rng(seed);
  }

  set(f: Fault | null): void {
    this.fault = f && f.count !== 0 ? f : null;
    this.remaining = f?.count ?? Infinity;
    this.roll = rng(this.seed); // same fault + same traffic = same victims
  }

  /** The fault to apply to this request, if any; consumes one of `count`. */
  pick(path: string): Fault | null {
    const f = this.fault;
    if (!f || (f.path !== undefined && f.path !== path)) return null;
    if (f.rate !== undefined && this.roll() >= f.rate) return null;
    if (--this.remaining <= 0) this.fault = null;
    return f;
  }
}
