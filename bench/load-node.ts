/** The built-in Node load loop: exact request counts (calls under load) and smoke tests without wrk. */
import http from 'node:http';
import { request } from './http.js';
import { percentile } from './numbers.js';
import type { Caller, LoadResult } from './options.js';

/**
 * A closed-loop keep-alive load in this process. Requests take the callers in turn; with more than
 * one caller every answer must name the caller that asked (else it counts in wrongCaller and errors).
 */
export async function nodeLoad(
  url: string,
  body: string | undefined,
  callers: Caller[],
  connections: number,
  durationS: number,
): Promise<LoadResult & { issued: number; wrongCaller: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const headersOf = callers.map((c) => {
    const headers: Record<string, string> = { authorization: c.auth };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return headers;
  });
  const checkCaller = callers.length > 1;
  const latencies: number[] = [];
  let errors = 0;
  let wrongCaller = 0;
  let issued = 0;
  const t0 = performance.now();
  const end = t0 + durationS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      const i = issued++ % callers.length;
      try {
        const r = await request(url, { method: body === undefined ? 'GET' : 'POST', headers: headersOf[i], body, agent, timeoutMs: 30_000 });
        latencies.push(performance.now() - s);
        if (r.status !== 200 || r.text.includes('"errors"')) errors++;
        else if (checkCaller && !r.text.includes(`"username":"${callers[i].username}"`)) {
          wrongCaller++;
          errors++;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const durS = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => percentile(latencies, p);
  return { requests: latencies.length, issued, durationS: durS, rps: latencies.length / durS, p50Ms: pct(50), p90Ms: pct(90), p99Ms: pct(99), maxMs: pct(100), errors, wrongCaller };
}
