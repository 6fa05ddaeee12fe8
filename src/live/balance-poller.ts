/**
 * Polls the caller's account (GET /yescale/user) and publishes it when its quota changes; each
 * subscriber's threshold is applied by a BalanceWatch of its own, so all thresholds share one poll.
 */
import type { UpstreamHttp } from '../upstream/http.js';
import type { UserRecord } from '../upstream/records.js';
import { getUser } from '../upstream/yescale.js';
import type { Poller, PollResult } from './hub.js';
import { pollCaller, type PollCredential } from './caller.js';

export function balancePoller(http: UpstreamHttp, who: PollCredential): Poller {
  let quota: number | null = null;
  return {
    async poll(signal): Promise<PollResult> {
      const user = await getUser(http, pollCaller(who, signal));
      if (user.quota === quota) return {};
      quota = user.quota;
      // The access token stays out of payloads (they may pass through Redis).
      return { value: { ...user, accessToken: null } satisfies UserRecord };
    },
  };
}

/** Above the threshold by this share of it (at least one credit) before a new crossing counts. */
export const BALANCE_HYSTERESIS = 0.01;

/**
 * One subscriber's threshold: fires when the quota is below it and armed. It starts armed (an
 * account already below is reported once at once) and re-arms only when the quota rises to
 * threshold + hysteresis, so a balance hovering at the threshold fires once, not on every wobble.
 */
export class BalanceWatch {
  private armed = true;
  private readonly rearmAt: number;

  constructor(readonly threshold: number) {
    this.rearmAt = threshold + Math.max(Math.ceil(threshold * BALANCE_HYSTERESIS), 1);
  }

  /** Whether this quota is a crossing to report. */
  crossed(quota: number): boolean {
    if (quota >= this.rearmAt) this.armed = true;
    if (!this.armed || quota >= this.threshold) return false;
    this.armed = false;
    return true;
  }
}
