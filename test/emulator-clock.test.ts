/**
 * The emulator's clock: tasks in flight move to SUCCESS or FAILURE (with the era's refund), relay
 * requests arrive as log entries that lower the balance, and all of it is a function of the seed and
 * emulated time. The clock is frozen (speed 0) and stepped with advance(), so nothing sleeps.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { createEmulator, type Emulator, type Era } from '../src/emulator/index.js';
import type { WireLog, WireTask } from '../src/upstream/wire.js';

const NOW = 1_750_000_000;
const LOGS = 2_000;
const IN_FLIGHT = ['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS'];
const ORDER = [...IN_FLIGHT, 'SUCCESS'];

const frozen = (opts: { seed?: number; era?: Era; logsPerUser?: number } = {}) => createEmulator({ now: NOW, speed: 0, logsPerUser: LOGS, ...opts });

/** The entries that arrived since the log count was `before`, oldest first. */
function arrivedSince(emu: Emulator, user: string, before: number): WireLog[] {
  return Array.from({ length: emu.logCount(user) - before }, (_, i) => emu.log(user, i)).reverse();
}

/** Advances to `seconds` after the start. */
function advanceTo(emu: Emulator, seconds: number): void {
  emu.advance(NOW + seconds - emu.now());
}

describe('emulator clock', () => {
  it('runs at speed × real time, from the start, plus advances', () => {
    let real = 1_000_000;
    const emu = createEmulator({ now: NOW, speed: 10, logsPerUser: 10, realNow: () => real });
    expect(emu.now()).toBe(NOW);
    real += 2_500;
    expect(emu.now()).toBe(NOW + 25);
    emu.advance(100);
    expect(emu.now()).toBe(NOW + 125);
    expect(() => emu.advance(-1)).toThrow(RangeError);
    expect(() => emu.advance(0.5)).toThrow(RangeError);
  });

  it('refuses a speed that is not a finite number >= 0', () => {
    for (const speed of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => createEmulator({ speed, logsPerUser: 10 })).toThrow(/speed/);
  });

  it('--speed takes a number from 0 (frozen) up, 1 by default, with a clear error otherwise', () => {
    expect(parseConfig(['emulator'], {}).speed).toBe(1);
    expect(parseConfig(['emulator', '--speed', '0'], {}).speed).toBe(0);
    expect(parseConfig(['emulator', '--speed', '60'], {}).speed).toBe(60);
    expect(parseConfig(['demo', '--speed', '0.5'], {}).speed).toBe(0.5);
    for (const bad of ['-2', 'fast', '1e3', 'Infinity', '', '2000000']) {
      expect(() => parseConfig(['emulator', `--speed=${bad}`], {})).toThrow(ConfigError);
      expect(() => parseConfig(['emulator', `--speed=${bad}`], {})).toThrow(new RegExp(`--speed must be a number from 0 to 1000000.*got "${bad}"`));
    }
  });

  it('a frozen clock leaves the data as it was at the start', () => {
    const emu = frozen();
    const count = emu.logCount('demo');
    const tasks = emu.tasks('demo');
    expect(emu.tasks('demo')).toEqual(tasks);
    expect(emu.logCount('demo')).toBe(count);
    expect(tasks.some((t) => IN_FLIGHT.includes(t.status))).toBe(true);
  });
});

describe('tasks in flight', () => {
  it('move through the statuses with rising progress to a finish, and the demo sees one succeed within a minute', () => {
    const emu = frozen();
    const start = new Map(emu.tasks('demo').filter((t) => IN_FLIGHT.includes(t.status)).map((t) => [t.id, t]));
    expect(start.size).toBeGreaterThanOrEqual(3);
    const seen = new Map<number, WireTask[]>([...start.keys()].map((id) => [id, []]));
    for (let s = 1; s <= 60; s++) {
      advanceTo(emu, s);
      for (const t of emu.tasks('demo')) seen.get(t.id)?.push(t);
    }
    const quick = [...seen.values()].find((states) => states.at(-1)!.status === 'SUCCESS');
    expect(quick, 'a demo task finishes within 60 emulated seconds').toBeDefined();
    const last = quick!.at(-1)!;
    expect(last.finish_time).toBeLessThanOrEqual(NOW + 60);
    expect(last.progress).toBe('100%');
    expect(last.start_time).toBeGreaterThan(0);
    expect(last.start_time).toBeLessThanOrEqual(last.finish_time);
    // it was seen running with at least three different progress values, never going back
    const running = quick!.filter((t) => t.status === 'IN_PROGRESS').map((t) => Number.parseInt(t.progress, 10));
    expect(new Set(running).size).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < running.length; i++) expect(running[i]).toBeGreaterThanOrEqual(running[i - 1]);
    // statuses only move forward
    for (const states of seen.values()) {
      const ranks = states.map((t) => (t.status === 'FAILURE' ? ORDER.length - 1 : ORDER.indexOf(t.status)));
      for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThanOrEqual(ranks[i - 1]);
    }
  });

  it('all finish in time, each with start ≤ finish, progress "100%" and updated_at at the finish', () => {
    const emu = frozen();
    const ids = emu.tasks('demo').filter((t) => IN_FLIGHT.includes(t.status)).map((t) => t.id);
    expect(ids.length).toBeGreaterThan(0);
    advanceTo(emu, 3 * 3600);
    const later = emu.tasks('demo').filter((x) => ids.includes(x.id));
    expect(later).toHaveLength(ids.length);
    for (const t of later) {
      expect(['SUCCESS', 'FAILURE']).toContain(t.status);
      expect(t.progress).toBe('100%');
      expect(t.start_time).toBeGreaterThanOrEqual(t.submit_time);
      expect(t.finish_time).toBeGreaterThanOrEqual(t.start_time);
      expect(t.updated_at).toBe(t.finish_time);
      expect(t.fail_reason !== '').toBe(t.status === 'FAILURE');
    }
  });

  for (const era of ['yescale', 'latest'] as const) {
    it(`a failure writes the ${era} era's refund at its finish and gives the quota back`, () => {
      // find a seed where an in-flight task fails (each fails with probability 1/5)
      for (let seed = 1; seed <= 40; seed++) {
        const emu = frozen({ seed, era });
        for (const user of ['demo', 'admin']) {
          const flying = emu.tasks(user).filter((t) => IN_FLIGHT.includes(t.status)).map((t) => t.id);
          const probe = frozen({ seed, era });
          advanceTo(probe, 3 * 3600);
          const failed = probe.tasks(user).find((t) => flying.includes(t.id) && t.status === 'FAILURE');
          if (!failed) continue;

          const at = failed.finish_time - NOW;
          advanceTo(emu, at - 1);
          const before = emu.user(user);
          const count = emu.logCount(user);
          expect(emu.tasks(user).find((t) => t.id === failed.id)!.status).not.toBe('FAILURE');
          advanceTo(emu, at);
          const after = emu.user(user);
          const arrived = arrivedSince(emu, user, count);
          const consumed = arrived.filter((l) => l.type === 2).reduce((sum, l) => sum + l.quota, 0);
          expect(after.quota).toBe(before.quota + failed.quota - consumed);
          expect(after.used_quota).toBe(before.used_quota + consumed);

          const refunds = arrived.filter((l) => l.type === (era === 'yescale' ? 4 : 6));
          expect(refunds).toHaveLength(1);
          const refund = refunds[0];
          expect(refund.created_at).toBe(failed.finish_time);
          if (era === 'yescale') {
            expect(refund.content).toContain(failed.task_id);
            expect(refund.quota).toBe(0);
            expect(refund.other).toBe('');
            expect(refund.model_name).toBe('');
          } else {
            expect(refund.quota).toBe(failed.quota);
            expect(JSON.parse(refund.other)).toMatchObject({ task_id: failed.task_id, reason: failed.fail_reason });
          }
          return;
        }
      }
      throw new Error('no seed in 1..40 has a failing task in flight');
    });
  }
});

describe('new tasks', () => {
  for (const era of ['yescale', 'latest'] as const) {
    it(`a busy account submits tasks over time, each charged at its submission as the ${era} era writes it, then finished`, () => {
      const emu = frozen({ era });
      const initial = new Set([...emu.tasks('demo'), ...emu.tasks('admin'), ...emu.tasks('newbie')].map((t) => t.id));
      const maxId = Math.max(...initial);
      const count = emu.logCount('demo');
      const balance = emu.user('demo').quota;
      advanceTo(emu, 4 * 3600);
      const fresh = emu.tasks('demo').filter((t) => !initial.has(t.id));
      expect(fresh.length).toBeGreaterThan(0);
      const arrived = arrivedSince(emu, 'demo', count);
      for (const t of fresh) {
        expect(t.id).toBeGreaterThan(maxId);
        expect(t.submit_time).toBeGreaterThan(NOW);
        expect(t.created_at).toBe(t.submit_time);
        // the charge: a CONSUME of the task's quota at its submission, without the task id
        const charges = arrived.filter((l) => l.type === 2 && l.created_at === t.submit_time && l.quota === t.quota && l.content.includes(`操作 ${t.action}`));
        expect(charges.length).toBeGreaterThanOrEqual(1);
        expect(charges[0].content).not.toContain(t.task_id);
        expect(charges[0].other).not.toContain(t.task_id);
        if (era === 'latest') expect(JSON.parse(charges[0].other)).toMatchObject({ is_task: true });
        else expect(charges[0].content).toMatch(/^模型固定价格/);
      }
      // ids are unique across accounts, and the newest first in each list
      const ids = [...emu.tasks('demo'), ...emu.tasks('admin'), ...emu.tasks('newbie')].map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length);
      const submits = emu.tasks('demo').map((t) => t.submit_time);
      expect(submits).toEqual([...submits].sort((a, b) => b - a));
      // the balance paid for them (and for the requests); refunds gave failed ones back
      const spent = arrived.filter((l) => l.type === 2).reduce((sum, l) => sum + l.quota, 0);
      const refunded = emu.tasks('demo').filter((t) => t.status === 'FAILURE' && t.finish_time > NOW).reduce((sum, t) => sum + t.quota, 0);
      expect(emu.user('demo').quota).toBe(balance - spent + refunded);
      advanceTo(emu, 24 * 3600);
      for (const t of emu.tasks('demo').filter((x) => fresh.some((f) => f.id === x.id))) expect(['SUCCESS', 'FAILURE']).toContain(t.status);
    });
  }
});

describe('new log entries', () => {
  it('arrive in id order, several within one second, and the balance, used quota and key figures follow them', () => {
    const emu = frozen();
    advanceTo(emu, 3 * 3600); // every task in flight has finished: only requests arrive from here
    const user0 = emu.user('demo');
    const keys0 = new Map(emu.apiKeys('demo').map((k) => [k.id, k]));
    const count = emu.logCount('demo');
    advanceTo(emu, 5 * 3600);
    const all = arrivedSince(emu, 'demo', count);
    // a task submitted meanwhile may fail: its refund (SYSTEM text in this era) gives its quota back
    const failed = emu.tasks('demo').filter((t) => t.status === 'FAILURE' && t.finish_time > NOW + 3 * 3600);
    const refunds = all.filter((l) => l.type === 4);
    expect(refunds.map((l) => l.content).sort()).toEqual(failed.map((t) => refunds.find((l) => l.content.includes(t.task_id))?.content).sort());
    const arrived = all.filter((l) => l.type !== 4);
    expect(arrived.length).toBeGreaterThan(20);

    const previous = emu.log('demo', arrived.length);
    let id = previous.id;
    let time = previous.created_at;
    for (const l of all) {
      expect(l.id).toBe((id + 1) % 1024); // the self view's id % 1024 of an auto-increment id
      expect(l.created_at).toBeGreaterThanOrEqual(time);
      expect(l.created_at).toBeLessThanOrEqual(emu.now());
      expect([2, 4, 5]).toContain(l.type); // relay requests (consumed, or failed upstream) and task refunds
      id = l.id;
      time = l.created_at;
    }
    expect(all.some((l, i) => i > 0 && l.created_at === all[i - 1].created_at)).toBe(true);

    const consumes = arrived.filter((l) => l.type === 2);
    const spent = consumes.reduce((sum, l) => sum + l.quota, 0);
    expect(spent).toBeGreaterThan(0);
    const user1 = emu.user('demo');
    expect(user1.quota).toBe(user0.quota - spent + failed.reduce((sum, t) => sum + t.quota, 0));
    expect(user1.used_quota).toBe(user0.used_quota + spent);
    expect(user1.request_count).toBe(user0.request_count + consumes.length);

    for (const k of emu.apiKeys('demo')) {
      const mine = consumes.filter((l) => l.token_id === k.id);
      const used = mine.reduce((sum, l) => sum + l.quota, 0);
      const k0 = keys0.get(k.id)!;
      if (mine.length) expect(k0.status, `${k.name} is usable`).toBe(1);
      expect(k.used_quota).toBe(k0.used_quota + used);
      expect(k.remain_quota).toBe(k.unlimited_quota ? k0.remain_quota : k0.remain_quota - used);
      const newest = arrived.filter((l) => l.token_id === k.id).reduce((t, l) => Math.max(t, l.created_at), 0);
      expect(k.accessed_time).toBe(Math.max(k0.accessed_time, newest));
    }
  });

  it('a limited key with no quota left writes nothing and becomes EXHAUSTED when presented, as new-api marks it', async () => {
    const emu = frozen();
    const base = await emu.listen();
    try {
      const limited = emu.apiKeys('demo').filter((k) => k.status === 1 && !k.unlimited_quota);
      expect(limited.length).toBeGreaterThan(1);
      for (const k of limited) {
        const res = await fetch(`${base}/yescale/editquota/${k.id}`, { method: 'PUT', headers: { authorization: `Bearer ${emu.demoAccessKey}` }, body: JSON.stringify({ remain_quota: 0 }) });
        expect(await res.json()).toEqual({ message: '', success: true });
      }
      const count = emu.logCount('demo');
      advanceTo(emu, 2 * 3600);
      const ids = new Set(limited.map((k) => k.id));
      expect(arrivedSince(emu, 'demo', count).filter((l) => ids.has(l.token_id ?? 0))).toEqual([]);
      const after = emu.apiKeys('demo').filter((k) => ids.has(k.id));
      for (const k of after) expect([1, 4]).toContain(k.status);
      expect(after.some((k) => k.status === 4)).toBe(true);
      expect(after.every((k) => k.remain_quota === 0)).toBe(true);
    } finally {
      await emu.close();
    }
  });

  it('none arrive from a deleted key', async () => {
    const emu = frozen();
    const base = await emu.listen();
    try {
      const keys = emu.apiKeys('demo').filter((k) => k.status === 1);
      for (const k of keys.slice(1)) {
        const res = await fetch(`${base}/yescale/deletekey/${k.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${emu.demoAccessKey}` } });
        expect(await res.json()).toEqual({ message: '', success: true });
      }
      const count = emu.logCount('demo');
      advanceTo(emu, 3600);
      const arrived = arrivedSince(emu, 'demo', count).filter((l) => l.type === 2 || l.type === 5);
      expect(arrived.length).toBeGreaterThan(0);
      for (const l of arrived) expect(l.token_id).toBe(keys[0].id);
    } finally {
      await emu.close();
    }
  });
});

describe('determinism', () => {
  it('same seed and same times give the same data, however often it was read on the way', () => {
    const stepped = frozen({ seed: 5, era: 'latest' });
    const once = frozen({ seed: 5, era: 'latest' });
    for (let s = 7; s <= 2 * 3600; s += 7) {
      advanceTo(stepped, s);
      stepped.tasks('demo');
    }
    advanceTo(once, 2 * 3600 - ((2 * 3600) % 7));
    for (const user of ['demo', 'admin', 'newbie']) {
      expect(once.user(user)).toEqual(stepped.user(user));
      expect(once.apiKeys(user)).toEqual(stepped.apiKeys(user));
      expect(once.tasks(user)).toEqual(stepped.tasks(user));
      expect(once.logCount(user)).toBe(stepped.logCount(user));
      for (let i = 0; i < Math.min(200, once.logCount(user)); i++) expect(once.log(user, i)).toEqual(stepped.log(user, i));
    }
    expect(once.logCount('demo')).toBeGreaterThan(LOGS);
  });

  it('POST /__emulator/advance moves the clock from outside; GET /__emulator/clock tells it', async () => {
    const emu = frozen();
    const base = await emu.listen();
    try {
      const post = async (body: unknown) => {
        const res = await fetch(`${base}/__emulator/advance`, { method: 'POST', body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as any };
      };
      expect(await post({ seconds: 90 })).toEqual({ status: 200, body: { success: true, message: '', data: { now: NOW + 90 } } });
      for (const bad of [{ seconds: -1 }, { seconds: 1.5 }, { seconds: '9' }, {}]) {
        expect(await post(bad)).toEqual({ status: 400, body: { success: false, message: 'expected {"seconds": integer >= 0}' } });
      }
      const clock = await (await fetch(`${base}/__emulator/clock`)).json();
      expect(clock).toEqual({ success: true, message: '', data: { now: NOW + 90, speed: 0 } });
      expect(emu.now()).toBe(NOW + 90);
      expect(emu.tasks('demo').some((t) => t.status === 'SUCCESS' && t.finish_time > NOW)).toBe(true);
    } finally {
      await emu.close();
    }
  });

  it('the HTTP answers follow the clock', async () => {
    const emu = frozen();
    const base = await emu.listen();
    try {
      const get = async (path: string) => (await (await fetch(base + path, { headers: { authorization: `Bearer ${emu.demoAccessKey}` } })).json()) as any;
      const tasksPath = `/yescale/task?start_timestamp=${NOW - 3600}&end_timestamp=${NOW + 3600}`;
      const before = (await get(tasksPath)).data as WireTask[];
      const total = (await get('/yescale/logs?page_size=1')).data.total as number;
      advanceTo(emu, 3600);
      const after = (await get(tasksPath)).data as WireTask[];
      const now = before.map((b) => after.find((t) => t.id === b.id)!);
      expect(now.map((t) => t.status)).not.toEqual(before.map((t) => t.status));
      expect(now.every((t) => !IN_FLIGHT.includes(t.status))).toBe(true);
      expect((await get('/yescale/logs?page_size=1')).data.total).toBeGreaterThan(total);
    } finally {
      await emu.close();
    }
  });
});
