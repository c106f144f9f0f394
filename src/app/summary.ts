// The human summary printed on stdout at the end of `ferry run`.

import type { RunJobResult } from './runJob.ts';

export function formatRunSummary(jobName: string, jobFile: string, result: RunJobResult): string {
  const lines: string[] = [];
  const { plan, outcome } = result;
  if (plan) {
    const rows = plan.added + plan.changed + plan.unchanged + plan.duplicates + plan.rejected;
    // A rate says something only once planning takes a while; for a dozen rows it measures start-up.
    const rate = result.planMs !== undefined && result.planMs >= 1_000 ? ` (${Math.round((rows / result.planMs) * 1000).toLocaleString('en-US')} rows/s)` : '';
    const took = result.planMs === undefined ? '' : ` in ${(result.planMs / 1000).toFixed(1)} s${rate}`;
    const conflicts = plan.conflicts > 0 ? ` (${plan.conflicts} conflicting repeat${plan.conflicts === 1 ? '' : 's'}: the first row of a key stands, each is named in the log)` : '';
    lines.push(`ferry: job ${jobName} planned${took}: ${plan.added} new, ${plan.changed} changed, ${plan.unchanged} unchanged, ${plan.duplicates} duplicate keys${conflicts}, ${plan.rejected} rejected rows`);
    if (!outcome && result.exitCode === 0) lines.push(`  nothing uploaded (--plan-only); see ferry status ${jobFile}, upload with ferry run ${jobFile}`);
  }
  if (outcome) {
    const { counts, total, bytesDone } = outcome.stats;
    const seconds = outcome.durationMs / 1000;
    const inFlight = total - counts.done - counts.skipped - counts.failed;
    lines.push(`ferry: ${outcome.interrupted ? 'interrupted' : outcome.authFailure ? 'stopped (authentication failed)' : 'finished'} in ${seconds.toFixed(1)} s`);
    lines.push(`  done ${counts.done}  skipped ${counts.skipped}  failed ${counts.failed}  not finished ${inFlight}  (total ${total})`);
    lines.push(`  bytes ${formatBytes(bytesDone)}`);
    if (counts.failed > 0) lines.push(`  failed items: ferry report ${jobFile} --only failed`);
    if (inFlight > 0) lines.push(`  continue with: ferry run ${jobFile}`);
  }
  return lines.join('\n') + '\n';
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
