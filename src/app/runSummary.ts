// The end of `ferry run` as plain data (RunSummary), built once from the run's result and
// rendered as text or, with --json, as JSON.

import { ItemState, type PlanCounts } from '../ledger/types.ts';
import { scrubText } from '../log/redact.ts';
import type { CommandSummary } from './commandSummary.ts';
import type { RunJobResult } from './runJob.ts';

export interface RunSummary extends CommandSummary {
  command: 'run';
  /**
   * planned: --plan-only stopped after planning; finished: no item is left to drive;
   * interrupted: stopped by a signal (state saved, run again to continue); auth-failed: the
   * platform refused the credentials (exit 3).
   */
  outcome: 'planned' | 'finished' | 'interrupted' | 'auth-failed';
  /** Null when the run was interrupted while planning. */
  plan: (PlanCounts & { rows: number; ms: number }) | null;
  /** Null when nothing was driven (--plan-only, interrupted while planning). */
  items: {
    total: number;
    done: number;
    skipped: number;
    failed: number;
    /** Rows gone from the manifest before upload: never uploaded. */
    withdrawn: number;
    /** Items left in a non-terminal state: the next run continues them. */
    notFinished: number;
    /** Every state, zeros included. */
    counts: Record<ItemState, number>;
    bytesDone: number;
    durationMs: number;
  } | null;
  /** With --sandbox: what the emulated platform now holds, as lines. */
  sandbox?: string[];
  /** outcome auth-failed: the platform's refusal, which says what to do (a new token, ...). */
  authFailure?: string;
}

export function buildRunSummary(job: { name: string; file: string }, result: RunJobResult, sandbox?: string[]): RunSummary {
  const { plan, outcome } = result;
  let summaryOutcome: RunSummary['outcome'] = 'planned';
  if (!plan || outcome?.interrupted) summaryOutcome = 'interrupted';
  else if (outcome?.authFailure) summaryOutcome = 'auth-failed';
  else if (outcome) summaryOutcome = 'finished';
  const counts = outcome?.stats.counts;
  return {
    command: 'run',
    job: job.name,
    jobFile: job.file,
    exitCode: result.exitCode,
    outcome: summaryOutcome,
    plan: plan ? { ...plan, rows: plan.added + plan.changed + plan.unchanged + plan.duplicates + plan.rejected, ms: result.planMs ?? 0 } : null,
    items:
      outcome && counts
        ? {
            total: outcome.stats.total,
            done: counts.done,
            skipped: counts.skipped,
            failed: counts.failed,
            withdrawn: counts.withdrawn,
            notFinished: outcome.stats.total - counts.done - counts.skipped - counts.failed - counts.withdrawn,
            counts: Object.fromEntries(Object.values(ItemState).map((state) => [state, counts[state]])) as Record<ItemState, number>,
            bytesDone: outcome.stats.bytesDone,
            durationMs: outcome.durationMs,
          }
        : null,
    ...(sandbox ? { sandbox } : {}),
    ...(outcome?.authFailure ? { authFailure: scrubText(outcome.authFailure.message) } : {}),
  };
}

export function formatRunSummary(summary: RunSummary): string {
  const lines: string[] = [];
  const { plan, items, jobFile } = summary;
  if (plan) {
    // A rate says something only once planning takes a while; for a dozen rows it measures start-up.
    const rate = plan.ms >= 1_000 ? ` (${Math.round((plan.rows / plan.ms) * 1000).toLocaleString('en-US')} rows/s)` : '';
    const conflicts = plan.conflicts > 0 ? ` (${plan.conflicts} conflicting repeat${plan.conflicts === 1 ? '' : 's'}: the first row of a key stands, each is named in the log)` : '';
    const gone = plan.withdrawn > 0 ? `, ${plan.withdrawn} withdrawn (rows no longer in the manifest)` : '';
    const back = plan.returned > 0 ? `, ${plan.returned} back in the manifest` : '';
    lines.push(`ferry: job ${summary.job} planned in ${(plan.ms / 1000).toFixed(1)} s${rate}: ${plan.added} new, ${plan.changed} changed, ${plan.unchanged} unchanged, ${plan.duplicates} duplicate keys${conflicts}, ${plan.rejected} rejected rows${gone}${back}`);
    if (summary.outcome === 'planned') lines.push(`  nothing uploaded (--plan-only); see ferry status ${jobFile}, upload with ferry run ${jobFile}`);
  } else {
    lines.push(`ferry: job ${summary.job} interrupted while planning; nothing uploaded. Continue with: ferry run ${jobFile}`);
  }
  if (items) {
    const verb = { planned: 'finished', finished: 'finished', interrupted: 'interrupted', 'auth-failed': 'stopped (authentication failed)' }[summary.outcome];
    lines.push(`ferry: ${verb} in ${(items.durationMs / 1000).toFixed(1)} s`);
    const withdrawn = items.withdrawn > 0 ? `  withdrawn ${items.withdrawn}` : '';
    lines.push(`  done ${items.done}  skipped ${items.skipped}  failed ${items.failed}${withdrawn}  not finished ${items.notFinished}  (total ${items.total})`);
    lines.push(`  bytes ${formatBytes(items.bytesDone)}`);
    if (summary.authFailure) lines.push(`  credentials refused: ${summary.authFailure}`);
    if (items.failed > 0) lines.push(`  failed items: ferry report ${jobFile} --only failed`);
    if (items.notFinished > 0) lines.push(`  continue with: ferry run ${jobFile}`);
  }
  if (summary.sandbox) lines.push(...summary.sandbox);
  return `${lines.join('\n')}\n`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
