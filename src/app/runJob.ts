// `ferry run`: open the job's ledger, follow its policies (a SQLite ledger: take the job's run
// lock and reclaim a crashed run's leases; a shared PostgreSQL ledger: neither, other workers'
// leases are theirs until they expire), plan the manifest into it, then drive every pending
// item to a terminal state. Planning finishes before the first upload, so a file-level
// manifest problem stops the run before anything is sent.

import { ExitCode } from '../core/errors.ts';
import type { JobDefinition, PlanCounts } from '../ledger/types.ts';
import { openLedger } from '../ledger/open.ts';
import { acquireRunLock, type RunLock } from '../ledger/runLock.ts';
import { openManifest } from '../manifest/open.ts';
import type { FerryMetrics } from '../metrics/ferryMetrics.ts';
import { planManifest } from '../plan/planner.ts';
import type { Runner, RunOutcome } from '../pipeline/runner.ts';
import { openFleet, type LedgerFleet } from '../fleet/fleet.ts';
import { driveJob } from './driveJob.ts';
import type { JobContext } from './jobContext.ts';
import { manifestSpecFor } from './manifestFor.ts';
import { targetFor } from './targetFor.ts';

export interface RunJobResult {
  exitCode: ExitCode;
  plan: PlanCounts | undefined;
  planMs?: number;
  outcome: RunOutcome | undefined;
}

/** Two-stage stop, wired to signals by the CLI: the first asks to drain, the second cancels. */
export interface StopControl {
  onStop(listener: (stage: 'drain' | 'abort') => void): void;
}

export interface RunJobOptions {
  /** Plan the manifest into the ledger and stop there: no target, no credentials, no uploads. */
  planOnly?: boolean;
  /** The run's metrics registry, when it serves /metrics (`--metrics-port`). */
  metrics?: FerryMetrics;
}

export async function runJob(ctx: JobContext, stop: StopControl, options: RunJobOptions = {}): Promise<RunJobResult> {
  const { log } = ctx;
  const { durability, poolSize } = ctx.config.config.ledger;
  const store = await openLedger(ctx.ledgerLocation, { job: ctx.job.name, durability, poolSize });
  let lock: RunLock | undefined;
  let runner: Runner | undefined;
  let fleet: LedgerFleet | undefined;
  const planAbort = new AbortController();
  stop.onStop((stage) => {
    planAbort.abort(new Error('interrupted'));
    if (stage === 'drain') runner?.drain();
    else runner?.abort('interrupted');
  });
  try {
    const { runLockFile, reclaimLeasesAtStart } = store.policies;
    if (runLockFile !== undefined) lock = await acquireRunLock(runLockFile);
    await store.migrate();
    if (reclaimLeasesAtStart) {
      // We hold the run lock, so any lease still in the ledger belongs to a run that crashed.
      const reclaimed = await store.releaseAllLeases();
      if (reclaimed > 0) log.info({ reclaimed }, 'reclaimed items left in flight by an earlier run');
    }
    await store.registerJob(jobDefinition(ctx));

    const { metrics } = options;
    // Where workers share the ledger, the target shares its request budget, 429 pauses,
    // destination creation and tokens with them.
    if (!options.planOnly) fleet = await openFleet(ctx.ledgerLocation);
    const target = options.planOnly ? undefined : targetFor(ctx, metrics?.target, fleet);
    const manifest = manifestSpecFor(ctx.job);
    const planStarted = performance.now();
    log.info({ manifest: openManifest(manifest).description }, 'planning');
    let lastProgress = planStarted;
    const plan = await planManifest(store, manifest, {
      policy: ctx.job.job.changePolicy,
      removedPolicy: ctx.job.job.removedPolicy,
      signal: planAbort.signal,
      onDuplicate: (key, origin, conflict) => log.warn({ key, origin, ...conflict }, conflict ? 'conflicting repeat of a key in the manifest: ignored, the first row stands' : 'duplicate key in the manifest: processed once'),
      // A big manifest takes a while: say how far planning has got, as often as run progress.
      onProgress: (counts) => {
        if (performance.now() - lastProgress < ctx.job.runner.progressIntervalMs) return;
        lastProgress = performance.now();
        log.info({ ...counts, rows: counts.added + counts.changed + counts.unchanged + counts.duplicates + counts.rejected }, 'planning: rows so far');
      },
    }).catch((error: unknown) => {
      if (planAbort.signal.aborted) return undefined;
      throw error;
    });
    if (plan === undefined) return { exitCode: ExitCode.interrupted, plan, outcome: undefined };
    const planMs = Math.round(performance.now() - planStarted);
    log.info({ ...plan, ms: planMs }, 'planned');
    // Scrapes see the planned items at once, not only after the first progress interval.
    if (metrics) metrics.ledger(ctx.job.name, await store.stats());
    if (!target) return { exitCode: ExitCode.ok, plan, planMs, outcome: undefined };

    const outcome = await driveJob(ctx, store, { target, signal: planAbort.signal, onRunner: (created) => (runner = created), ...(metrics ? { metrics } : {}), ...(fleet ? { fleet } : {}) });
    return { exitCode: exitCodeFor(outcome), plan, planMs, outcome };
  } finally {
    await store.close();
    await fleet?.close();
    await lock?.release();
  }
}

/** What the ledger keeps about the job, so that another machine can find what to serve: the validated job file. */
function jobDefinition(ctx: JobContext): JobDefinition {
  // Never a secret: the job file holds none (tokens come from each worker's config or
  // environment), and the config is named by path only.
  return JSON.parse(JSON.stringify({ name: ctx.job.name, file: ctx.job.file, job: ctx.job.job, configFile: ctx.config.file ?? null })) as JobDefinition;
}

function exitCodeFor(outcome: RunOutcome): ExitCode {
  if (outcome.authFailure) return ExitCode.auth;
  if (outcome.interrupted) return ExitCode.interrupted;
  return outcome.stats.counts.failed > 0 ? ExitCode.itemsFailed : ExitCode.ok;
}
