// Rate and ETA early in a run: measured over the time the run has been going (not a whole window
// reaching back before it started), none until a few items finished, and the same figures in the
// live progress line and in `ferry status`.

import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/app/progress.ts';
import { ItemState, type LedgerStats } from '../../src/ledger/types.ts';
import { formatStatus, statusJson } from '../../src/report/status.ts';

function stats(total: number, done: number, recentlyFinished: number): LedgerStats {
  const counts = Object.fromEntries(Object.values(ItemState).map((state) => [state, 0])) as LedgerStats['counts'];
  counts.done = done;
  counts.pending = total - done;
  return { counts, total, recentlyFinished, windowMs: 60_000, topErrors: [], bytesDone: 0 };
}

function progressLine(reporterStartedAt: number, now: number, snapshot: LedgerStats): { ratePerMin: number | null; etaMin: number | null } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  new ProgressReporter(pino(out), 'job', { startedAt: reporterStartedAt, tty: false }).report(snapshot, now);
  return JSON.parse(text) as { ratePerMin: number | null; etaMin: number | null };
}

describe('rate and ETA', () => {
  const started = 1_000_000;

  it('in the first minute, measures over the time the run has been going', () => {
    // 110 items, 20 finished in the run's first 20 s: 60/min, 1.5 minutes to go (dividing by the
    // whole minute said 20/min and 4.5 minutes).
    const now = started + 20_000;
    const snapshot = stats(110, 20, 20);
    expect(statusJson(snapshot, 'job', { runStartedAt: started, now })).toMatchObject({ ratePerMinute: 60, etaMinutes: 2 });
    expect(progressLine(started, now, snapshot)).toMatchObject({ ratePerMin: 60, etaMin: 1.5 });
    expect(formatStatus(snapshot, 'job', { runStartedAt: started, now })).toContain('rate 60/min over the last 20 s; eta ~2 min');
  });

  it('after the first minute, uses the whole window', () => {
    const now = started + 300_000;
    expect(statusJson(stats(1_000, 500, 120), 'job', { runStartedAt: started, now })).toMatchObject({ ratePerMinute: 120, etaMinutes: 5 });
    expect(statusJson(stats(1_000, 500, 120), 'job', { now })).toMatchObject({ ratePerMinute: 120, etaMinutes: 5 });
  });

  it('gives no rate and no ETA until a few items finished', () => {
    const now = started + 3_000;
    const snapshot = stats(107, 2, 2);
    expect(statusJson(snapshot, 'job', { runStartedAt: started, now })).toMatchObject({ ratePerMinute: null, etaMinutes: null });
    expect(progressLine(started, now, snapshot)).toMatchObject({ ratePerMin: null, etaMin: null });
    expect(formatStatus(snapshot, 'job', { runStartedAt: started, now })).toContain('rate unknown yet; eta unknown (fewer than 5 items finished in the last 3 s)');
  });

  it('says none left when everything finished', () => {
    expect(statusJson(stats(10, 10, 10), 'job', { now: started })).toMatchObject({ etaMinutes: 0 });
  });
});
