/** The per-request Context: who is calling, their loaders, and the server's output settings. */
import type { LiveHub } from './live/hub.js';
import { Loaders } from './loaders/index.js';
import type { Credential } from './upstream/credential.js';
import type { UpstreamHttp } from './upstream/http.js';
import type { PagePool } from './usage/page-pool.js';
import type { Abortable } from './upstream/abortable.js';
import type { Caller } from './upstream/yescale.js';

export interface Settings {
  /** show API keys and the access token in full instead of `sk-abcd…wxyz` */
  revealSecrets: boolean;
  /** the largest `first` a connection accepts */
  maxFirst: number;
  /** upstream log pages fetched at once by a long walk (logs connection, usage scans) */
  logPageConcurrency: number;
}

export interface Context {
  caller: Caller | null;
  loaders: Loaders;
  /** for key writes only (src/schema/api-key.ts): reads go through `loaders` */
  http: UpstreamHttp;
  settings: Settings;
  /** subscriptions: the pollers shared by every request (src/live/hub.ts) */
  live: LiveHub;
}

/** `signal` aborts the request's upstream calls at `deadline` (epoch ms). */
export function createContext(
  http: UpstreamHttp,
  live: LiveHub,
  /** the gateway's threads for usage scans */
  usagePool: PagePool,
  credential: Credential | null,
  settings: Settings,
  signal?: Abortable,
  deadline?: number,
): Context {
  const caller = credential ? { credential, signal, deadline, upstreamCalls: 0 } : null;
  return { caller, loaders: new Loaders(http, caller, settings, usagePool), http, settings, live };
}
