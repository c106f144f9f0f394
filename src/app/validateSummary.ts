// What `ferry validate` found, as plain data (ValidateSummary), rendered as text or, with
// --json, as JSON.

import type { SourceProblem } from './probeSources.ts';
import type { CommandSummary } from './commandSummary.ts';

export interface ValidateSummary extends CommandSummary {
  command: 'validate';
  /** No rejected rows, no conflicting repeats, no unreachable sources, no rows the platform would refuse (exit 0; else exit 1). */
  valid: boolean;
  /** --offline: files only, nothing contacted. */
  offline: boolean;
  /** The config file, or null for defaults and environment. */
  config: string | null;
  /**
   * `checked`: the credentials and destination were checked at the platform; `findings` as the
   * target words them; `itemProblems`, from a target that checks rows at the platform: rows it
   * would refuse (e.g. a file format it does not take), which make the job invalid too.
   */
  target: { type: string; checked: boolean; findings: string[]; itemProblems?: number };
  /** Offline only: the credentials a run will need, and whether they are set (never their values). */
  credentials: { label: string; env: string; set: boolean }[];
  manifest: {
    description: string;
    items: number;
    rejected: number;
    duplicates: number;
    conflicts: number;
    /** The first 20 rejected rows, each "file:line: reason. Fix: ...". */
    rejectedRows: string[];
    /** The first 20 conflicting repeats, each naming both rows. */
    conflictingRows: string[];
  };
  /** `checked` is false offline; `problems` holds the first 20. */
  sources: { checked: boolean; probed: number; unreachable: number; problems: SourceProblem[] };
}

export function formatValidateSummary(summary: ValidateSummary): string {
  const { manifest, sources } = summary;
  const lines = [`config: ${summary.config ?? '(defaults and environment)'} ok`, `job: ${summary.jobFile} ok (name ${summary.job}, target ${summary.target.type})`];
  for (const credential of summary.credentials) lines.push(`credentials: ${credential.label} ${credential.set ? 'set' : `not set (${credential.env}); a run will need it`}`);
  const conflictNote = manifest.conflicts > 0 ? ` (${manifest.conflicts} conflicting repeat${manifest.conflicts === 1 ? '' : 's'})` : '';
  lines.push(`manifest: ${manifest.description}: ${manifest.items} items, ${manifest.rejected} rejected rows, ${manifest.duplicates} duplicate keys${conflictNote}`);
  for (const row of manifest.rejectedRows) lines.push(`  rejected ${row}`);
  if (manifest.rejected > manifest.rejectedRows.length) lines.push(`  ... and ${manifest.rejected - manifest.rejectedRows.length} more`);
  for (const conflict of manifest.conflictingRows) lines.push(`  conflict ${conflict}`);
  if (manifest.conflicts > manifest.conflictingRows.length) lines.push(`  ... and ${manifest.conflicts - manifest.conflictingRows.length} more`);
  if (sources.checked) {
    for (const finding of summary.target.findings) lines.push(`target: ${finding}`);
    lines.push(`sources: ${sources.probed} probed, ${sources.unreachable} unreachable`);
    for (const problem of sources.problems) lines.push(`  ${problem.origin} (${problem.key}): ${problem.reason}`);
  } else {
    lines.push('target and sources: not checked (--offline)');
  }
  if (!summary.valid) lines.push('problems found: the rows above would fail or be ignored; the other items would proceed.');
  else lines.push(summary.target.checked ? 'valid: nothing was uploaded; `ferry run` can start.' : 'valid as far as checked; nothing was uploaded.');
  return `${lines.join('\n')}\n`;
}
