// `ferry status`: what a job's ledger says right now, readable while a run writes to it.

import type { JobOverview } from '../fleet/fleet.ts';
import { ITEM_STATES, TERMINAL_STATES, type ItemState, type LedgerStats } from '../ledger/types.ts';
import { estimateRate, MIN_FINISHED_FOR_RATE } from './rate.ts';

export interface StatusView {
  job: string;
  total: number;
  counts: Partial<Record<ItemState, number>>;
  finished: number;
  percentFinished: number;
  /** Null until a few items finished in the measured time (see report/rate.ts). */
  ratePerMinute: number | null;
  etaMinutes: number | null;
  bytesDone: number;
  topErrors: LedgerStats['topErrors'];
}

/** `runStartedAt`: when the live run began (its run lock's `since`), if one is live. */
export interface StatusClock {
  runStartedAt?: number;
  now?: number;
}

export function statusJson(stats: LedgerStats, job: string, clock: StatusClock = {}): StatusView {
  const rate = estimateRate(stats, clock.runStartedAt, clock.now);
  const counts: Partial<Record<ItemState, number>> = {};
  for (const state of ITEM_STATES) if (stats.counts[state] > 0) counts[state] = stats.counts[state];
  return {
    job,
    total: stats.total,
    counts,
    finished: rate.finished,
    percentFinished: stats.total === 0 ? 100 : Math.floor((rate.finished * 1000) / stats.total) / 10,
    ratePerMinute: rate.ratePerMinute === null ? null : Math.round(rate.ratePerMinute * 10) / 10,
    etaMinutes: rate.etaMinutes === null ? null : Math.ceil(rate.etaMinutes),
    bytesDone: stats.bytesDone,
    topErrors: stats.topErrors,
  };
}

export function formatStatus(stats: LedgerStats, job: string, clock: StatusClock = {}): string {
  const view = statusJson(stats, job, clock);
  const overMs = estimateRate(stats, clock.runStartedAt, clock.now).overMs;
  const lines = [`job ${job}: ${view.finished}/${view.total} finished (${view.percentFinished}%)`];
  lines.push(`  ${Object.entries(view.counts).map(([state, count]) => `${state} ${count}`).join('  ') || 'no items'}`);
  const eta = view.etaMinutes === 0 ? 'none left' : view.etaMinutes === null ? `unknown (fewer than ${MIN_FINISHED_FOR_RATE} items finished in the last ${Math.round(overMs / 1000)} s)` : `~${view.etaMinutes} min`;
  const rate = view.ratePerMinute === null ? 'rate unknown yet' : `rate ${view.ratePerMinute}/min over the last ${Math.round(overMs / 1000)} s`;
  lines.push(`  ${rate}; eta ${eta}`);
  if (view.topErrors.length > 0) {
    lines.push('  top errors:');
    for (const error of view.topErrors) lines.push(`    ${error.count} × ${error.errorClass}: ${error.example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A shared ledger at a glance: per job, progress, the workers with live leases and the last minute's finishes. */
export function formatFleet(location: string, jobs: readonly JobOverview[]): string {
  if (jobs.length === 0) return `${location}: no jobs yet (ferry run <job> --store ${location} plans one)\n`;
  const lines = [`${location}: ${jobs.length} job${jobs.length === 1 ? '' : 's'}`];
  for (const entry of jobs) {
    const finished = TERMINAL_STATES.reduce((sum, state) => sum + (entry.counts[state] ?? 0), 0);
    lines.push(`job ${entry.job}: ${finished}/${entry.total} finished, ${entry.finishedLastMinute} in the last minute; ${entry.workers.length} worker${entry.workers.length === 1 ? '' : 's'} active`);
    lines.push(`  ${Object.entries(entry.counts).map(([state, count]) => `${state} ${count}`).join('  ')}`);
    for (const worker of entry.workers) lines.push(`  worker ${worker}`);
  }
  return `${lines.join('\n')}\n`;
}
