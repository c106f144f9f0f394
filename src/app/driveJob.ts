// Drive a planned job's items to a terminal state: prepare the target (credentials, gallery or
// work zone), then run the runner until every item is finished or a stop is asked for. Shared
// by `ferry run` (after planning) and `ferry work` (which never plans: the job's run did).

import type { LedgerFleet } from '../fleet/fleet.ts';
import type { LedgerStats, LedgerStore } from '../ledger/types.ts';
import type { FerryMetrics } from '../metrics/ferryMetrics.ts';
import { retryTransient } from '../pipeline/retryTransient.ts';
import { Runner, type RunOutcome } from '../pipeline/runner.ts';
import type { RunHooks, Target } from '../targets/types.ts';
import type { JobContext } from './jobContext.ts';
import { ProgressReporter } from './progress.ts';
import { prepareRetry } from './targetFor.ts';

export interface DriveJobOptions {
  target: Target;
  metrics?: FerryMetrics;
  /** Present where workers share the ledger: a 429 seen here pauses the whole fleet. */
  fleet?: LedgerFleet;
  /** Aborted when a stop was asked for before the runner existed (it then drains at once). */
  signal: AbortSignal;
  /** Gets the runner as soon as it exists, so that stop requests reach it. */
  onRunner(runner: Runner): void;
}

export async function driveJob(ctx: JobContext, store: LedgerStore, options: DriveJobOptions): Promise<RunOutcome> {
  const { log } = ctx;
  const { target, metrics, fleet, signal } = options;
  // Webhook deliveries may expedite items while the target is still being prepared, before the runner exists.
  const current: { runner?: Runner } = {};
  const hooks: RunHooks = {
    expedite: (keys) =>
      void store.expedite(keys).then(
        (changed) => changed > 0 && current.runner?.wake(),
        (error: unknown) => log.warn({ err: error }, 'could not expedite items'),
      ),
    itemsIn: (state) => store.iterate({ states: [state] }),
  };
  try {
    await retryTransient(() => target.prepare(signal, hooks), { ...prepareRetry(ctx), what: `preparing the ${target.type} destination (credentials, gallery or work zone)`, signal });
  } catch (error) {
    // No runner will close it: a worker that serves the job again later must find its webhook
    // port and sockets free.
    await target.close?.().catch((closeError: unknown) => log.warn({ err: closeError }, 'could not close the target after a failed preparation'));
    throw error;
  }
  const progress = new ProgressReporter(log, ctx.job.name);
  const runner = new Runner({
    store,
    target,
    settings: ctx.job.runner,
    log,
    scrub: (text) => ctx.secrets.scrub(text),
    onProgress: (stats: LedgerStats) => {
      progress.report(stats);
      metrics?.ledger(ctx.job.name, stats);
    },
    ...(metrics ? { metrics: metrics.runner(ctx.job.name) } : {}),
    ...(fleet ? { onPause: (ms: number) => void fleet.pauseAll(ms).catch((error: unknown) => log.warn({ err: error }, 'could not share the rate-limit pause with the fleet')) } : {}),
  });
  current.runner = runner;
  options.onRunner(runner);
  if (signal.aborted) runner.drain();
  const outcome = await runner.run();
  metrics?.ledger(ctx.job.name, outcome.stats);
  progress.end();
  return outcome;
}
