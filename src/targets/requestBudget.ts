// A request-rate limit for one platform, shared by every kind of call a target makes (API
// calls, upload chunks, status polls): `requestsPerSecond` for the whole run, evenly spaced so
// bursts never exceed it. 0 means no limit. A 429 still pauses the target on top of this
// (the runner's PauseGate); this budget is ferry being polite before the platform has to say so.

import { sleep } from '../pipeline/backoff.ts';

/** Waits until one more request may go out. Implementations: local (this file), fleet-wide (shared ledger). */
export interface RequestBudget {
  take(signal?: AbortSignal): Promise<void>;
}

export const UNLIMITED: RequestBudget = { take: async () => undefined };

/** Evenly spaced slots: request n may start at `start + n / rate`; a late caller takes the next free slot. */
export class LocalRequestBudget implements RequestBudget {
  readonly #intervalMs: number;
  #nextAt = 0;

  constructor(requestsPerSecond: number) {
    this.#intervalMs = 1000 / requestsPerSecond;
  }

  async take(signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.#nextAt);
    this.#nextAt = at + this.#intervalMs;
    if (at > now) await sleep(at - now, signal);
  }
}

export function requestBudget(requestsPerSecond: number): RequestBudget {
  return requestsPerSecond > 0 ? new LocalRequestBudget(requestsPerSecond) : UNLIMITED;
}
