// `ferry status`: what a job's ledger says right now, readable while a run writes to it.

import { ITEM_STATES, type ItemState, type LedgerStats } from '../ledger/types.ts';

export interface StatusView {
  job: string;
  total: number;
  counts: Partial<Record<ItemState, number>>;
  finished: number;
  percentFinished: number;
  ratePerMinute: number;
  etaMinutes: number | null;
  bytesDone: number;
  topErrors: LedgerStats['topErrors'];
}

export function statusJson(stats: LedgerStats, job: string): StatusView {
  const finished = stats.counts.done + stats.counts.skipped + stats.counts.failed;
  const ratePerMinute = stats.windowMs > 0 ? (stats.recentlyFinished * 60_000) / stats.windowMs : 0;
  const remaining = stats.total - finished;
  const counts: Partial<Record<ItemState, number>> = {};
  for (const state of ITEM_STATES) if (stats.counts[state] > 0) counts[state] = stats.counts[state];
  return {
    job,
    total: stats.total,
    counts,
    finished,
    percentFinished: stats.total === 0 ? 100 : Math.floor((finished * 1000) / stats.total) / 10,
    ratePerMinute: Math.round(ratePerMinute * 10) / 10,
    etaMinutes: remaining === 0 ? 0 : ratePerMinute > 0 ? Math.ceil(remaining / ratePerMinute) : null,
    bytesDone: stats.bytesDone,
    topErrors: stats.topErrors,
  };
}

export function formatStatus(stats: LedgerStats, job: string): string {
  const view = statusJson(stats, job);
  const lines = [`job ${job}: ${view.finished}/${view.total} finished (${view.percentFinished}%)`];
  lines.push(`  ${Object.entries(view.counts).map(([state, count]) => `${state} ${count}`).join('  ') || 'no items'}`);
  const eta = view.etaMinutes === null ? 'unknown (nothing finished in the last minute)' : view.etaMinutes === 0 ? 'none left' : `~${view.etaMinutes} min`;
  lines.push(`  rate ${view.ratePerMinute}/min over the last ${Math.round(stats.windowMs / 1000)} s; eta ${eta}`);
  if (view.topErrors.length > 0) {
    lines.push('  top errors:');
    for (const error of view.topErrors) lines.push(`    ${error.count} × ${error.errorClass}: ${error.example}`);
  }
  return `${lines.join('\n')}\n`;
}
