/**
 * One audit line per key write sent upstream (writes are never retried: one attempt, one line).
 * The caller is the credential's hash, never the credential.
 */
import type { UpstreamHttp } from '../upstream/http.js';
import type { Logger } from './logger.js';
import { keyWriteOf } from './metrics.js';

export function auditKeyWrites(http: UpstreamHttp, logger: Logger): void {
  const audit = logger.child({ component: 'audit' });
  http.onCall((call) => {
    const write = keyWriteOf(call.path);
    if (!write) return;
    const line = { mutation: write.mutation, keyId: write.keyId, outcome: call.error?.kind ?? 'ok', upstreamStatus: call.status, caller: call.callerId };
    audit[call.error ? 'warn' : 'info'](line, `${write.mutation} ${write.keyId}: ${line.outcome}`);
  });
}
