/**
 * The emulator's key writes (DELETE /yescale/deletekey/{id}, PUT /yescale/editquota/{id}) over real
 * loopback HTTP: state changes, soft delete, tenancy, faults and per-method stats.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../src/emulator/index.js';

let emu: Emulator;
let base: string;

beforeAll(async () => {
  emu = createEmulator({ now: 1_750_000_000, speed: 0, logsPerUser: 2_000 });
  base = await emu.listen();
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.setFault(null);
  emu.resetStats();
});

const keyOf = (name: string) => emu.users.find((u) => u.username === name)!.accessKey;

async function call(method: string, path: string, user = 'demo', body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${keyOf(user)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('key writes', () => {
  it('editquota sets remain_quota and leaves status alone, even an EXHAUSTED key', async () => {
    const exhausted = emu.apiKeys('demo').find((k) => k.status === 4)!;
    expect(await call('PUT', `/yescale/editquota/${exhausted.id}`, 'demo', { remain_quota: 1_234_567 })).toEqual({ status: 200, body: { message: '', success: true } });
    const after = emu.apiKeys('demo').find((k) => k.id === exhausted.id)!;
    expect(after.remain_quota).toBe(1_234_567);
    expect(after.status).toBe(4);
  });

  it('editquota refuses a body without a non-negative integer remain_quota', async () => {
    const k = emu.apiKeys('demo')[0];
    for (const body of [{}, { remain_quota: -1 }, { remain_quota: 1.5 }, { remain_quota: '5' }]) {
      const r = await call('PUT', `/yescale/editquota/${k.id}`, 'demo', body);
      expect(r.body.success).toBe(false);
    }
    expect(emu.apiKeys('demo')[0].remain_quota).toBe(k.remain_quota);
  });

  it('deletekey soft-deletes: the key leaves the list, its logs keep its name', async () => {
    const keys = emu.apiKeys('admin');
    const victim = keys[1];
    const logsBefore = Array.from({ length: emu.logCount('admin') }, (_, i) => emu.log('admin', i)).filter((l) => l.token_name === victim.name).length;
    expect(logsBefore).toBeGreaterThan(0);
    expect(await call('DELETE', `/yescale/deletekey/${victim.id}`, 'admin')).toEqual({ status: 200, body: { message: '', success: true } });
    expect(emu.apiKeys('admin').map((k) => k.id)).toEqual(keys.filter((k) => k.id !== victim.id).map((k) => k.id));
    const listed = await call('GET', '/yescale/apikeylist', 'admin');
    expect(listed.body.data.map((k: { id: number }) => k.id)).not.toContain(victim.id);
    const logsAfter = Array.from({ length: emu.logCount('admin') }, (_, i) => emu.log('admin', i)).filter((l) => l.token_name === victim.name).length;
    expect(logsAfter).toBe(logsBefore);
    // a second delete of the same key: gone
    expect(await call('DELETE', `/yescale/deletekey/${victim.id}`, 'admin')).toEqual({ status: 200, body: { success: false, message: 'record not found' } });
  });

  it("another user's or an unknown id is record not found, and changes nothing", async () => {
    const theirs = emu.apiKeys('newbie')[0];
    expect((await call('PUT', `/yescale/editquota/${theirs.id}`, 'demo', { remain_quota: 1 })).body).toEqual({ success: false, message: 'record not found' });
    expect((await call('DELETE', `/yescale/deletekey/${theirs.id}`, 'demo')).body).toEqual({ success: false, message: 'record not found' });
    expect((await call('DELETE', '/yescale/deletekey/999999', 'demo')).body).toEqual({ success: false, message: 'record not found' });
    expect(emu.apiKeys('newbie')[0]).toEqual(theirs);
  });

  it('answers a wrong method with 405 and counts writes under METHOD path', async () => {
    const k = emu.apiKeys('demo')[0];
    expect((await call('GET', `/yescale/deletekey/${k.id}`)).status).toBe(405);
    expect((await call('PUT', '/yescale/deletekey/abc', 'demo', {})).status).toBe(404);
    await call('PUT', `/yescale/editquota/${k.id}`, 'demo', { remain_quota: 10 });
    expect(emu.stats().byPath[`PUT /yescale/editquota/${k.id}`]).toBe(1);
    expect(emu.stats().byPath[`GET /yescale/deletekey/${k.id}`]).toBe(1);
  });

  it('applies faults to writes as to reads, without changing state', async () => {
    const k = emu.apiKeys('demo')[2];
    emu.setFault({ mode: 'http502' });
    expect((await call('DELETE', `/yescale/deletekey/${k.id}`)).status).toBe(502);
    expect(emu.apiKeys('demo').some((x) => x.id === k.id)).toBe(true);
    expect(emu.stats().byPath[`DELETE /yescale/deletekey/${k.id}`]).toBe(1);
  });
});
