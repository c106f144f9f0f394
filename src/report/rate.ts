// Rate and ETA, one computation for the live progress line and for `ferry status`.
//
// The ledger counts items finished in its window (the last minute). Early in a run that window
// reaches back before the run started: dividing by the whole window made a 107 s job predict
// 59 minutes in its first seconds. So the rate is measured over the time the run has actually been
// going when that is shorter than the window; and with only a few items finished (start-up, the
// first slow fetches) no rate is meaningful yet, so none is given.

import type { LedgerStats } from '../ledger/types.ts';

/** Finished items (in the window) before a rate is worth stating. */
export const MIN_FINISHED_FOR_RATE = 5;

export interface RateEstimate {
  finished: number;
  remaining: number;
  /** Items per minute over `overMs`; null until MIN_FINISHED_FOR_RATE items finished in it. */
  ratePerMinute: number | null;
  /** How long the rate was measured over: the window, or the run's age when it is younger. */
  overMs: number;
  /** 0 when nothing remains; null when there is no rate yet. */
  etaMinutes: number | null;
}

/**
 * `runStartedAt`: when the run that is moving items began (the progress reporter's start, or
 * the run lock's `since` for `status`); undefined when unknown or no run is live.
 */
export function estimateRate(stats: LedgerStats, runStartedAt: number | undefined, now = Date.now()): RateEstimate {
  const finished = stats.counts.done + stats.counts.skipped + stats.counts.failed + stats.counts.withdrawn;
  const remaining = stats.total - finished;
  const age = runStartedAt === undefined ? Number.POSITIVE_INFINITY : Math.max(now - runStartedAt, 1);
  const overMs = Math.min(stats.windowMs, age);
  const ratePerMinute = stats.recentlyFinished >= MIN_FINISHED_FOR_RATE && overMs > 0 ? (stats.recentlyFinished * 60_000) / overMs : null;
  const etaMinutes = remaining === 0 ? 0 : ratePerMinute === null ? null : remaining / ratePerMinute;
  return { finished, remaining, ratePerMinute, overMs, etaMinutes };
}
