// `ferry validate`: every check a run would make before its first upload, and nothing that
// changes anything: config and job schema, secrets, every manifest row, the credentials and
// destination at the platform, and the reachability of (a sample of) the sources.

import { ExitCode } from '../core/errors.ts';
import type { JobContext } from './jobContext.ts';
import { eachEntry } from '../manifest/batching.ts';
import { openManifest } from '../manifest/open.ts';
import { manifestSpecFor } from './manifestFor.ts';
import { SourceProber } from './probeSources.ts';
import { prepareRetry, targetFor } from './targetFor.ts';
import { retryTransient } from '../pipeline/retryTransient.ts';

export interface ValidateOptions {
  offline: boolean;
  /** How many sources to probe; 0 = all. */
  sources: number;
}

export interface ValidateResult {
  exitCode: ExitCode;
  lines: string[];
}

const MAX_LISTED = 20;

export async function validateJob(ctx: JobContext, options: ValidateOptions): Promise<ValidateResult> {
  const lines: string[] = [`config: ${ctx.config.file ?? '(defaults and environment)'} ok`, `job: ${ctx.job.file} ok (name ${ctx.job.name}, target ${ctx.job.job.target.type})`];
  // Creating the target resolves its secrets: a missing token fails here, before any I/O.
  // Cintoo jobs are validated up to the target, whose uploads come with a later version.
  const target = ctx.job.job.target.type === 'cintoo' ? undefined : targetFor(ctx);
  const manifest = openManifest(manifestSpecFor(ctx.job));
  const prober = options.offline ? undefined : new SourceProber();
  let items = 0;
  const rejected: string[] = [];
  for await (const entry of eachEntry(manifest)) {
    if (entry.kind === 'rejected') {
      rejected.push(`${entry.row.origin}: ${entry.row.reason}`);
      continue;
    }
    items++;
    if (prober && (options.sources === 0 || prober.probed < options.sources)) await prober.add(entry.item);
  }
  lines.push(`manifest: ${manifest.description}: ${items} items, ${rejected.length} rejected rows`);
  for (const row of rejected.slice(0, MAX_LISTED)) lines.push(`  rejected ${row}`);
  if (rejected.length > MAX_LISTED) lines.push(`  ... and ${rejected.length - MAX_LISTED} more`);

  let sourceProblems = 0;
  if (prober) {
    const findings = target
      ? await retryTransient(() => target.check(AbortSignal.timeout(60_000)), { ...prepareRetry(ctx), what: `checking the ${target.type} credentials and destination` })
      : ['cintoo: not checked (uploading to Cintoo comes with the Cintoo target)'];
    for (const finding of findings) lines.push(`target: ${finding}`);
    await prober.done();
    sourceProblems = prober.problems.length;
    lines.push(`sources: ${prober.probed} probed, ${sourceProblems} unreachable`);
    for (const problem of prober.problems.slice(0, MAX_LISTED)) lines.push(`  ${problem.origin} (${problem.key}): ${problem.reason}`);
  } else {
    lines.push('target and sources: not checked (--offline)');
  }
  const ok = rejected.length === 0 && sourceProblems === 0;
  if (!ok) lines.push('problems found: the items above would fail; the other items would proceed.');
  else lines.push(target ? 'valid: nothing was uploaded; `ferry run` can start.' : 'valid as far as checked; nothing was uploaded.');
  return { exitCode: ok ? ExitCode.ok : ExitCode.itemsFailed, lines };
}
