// `ferry work`: one worker of a fleet sharing a PostgreSQL ledger. It serves every job of the
// ledger that has unfinished items, oldest first, one at a time: claims items with SKIP LOCKED
// beside the other workers, drives them with the job's registered definition and this worker's
// own config and credentials, and moves on when the job is finished. With nothing to do it
// polls, backing off to `idleMaxMs`. A first stop request drains (steps in flight finish and are
// saved, leases go back, the worker exits 0); a second cancels the steps in flight (exit 130).
// A job this worker cannot serve (bad definition, refused credentials, a destination the
// platform refuses) is logged and set aside for a while; the other workers may fare better.

import { loadConfig } from '../config/load.ts';
import { AuthError, ExitCode, PermanentError, UsageError } from '../core/errors.ts';
import { openFleet, type LedgerFleet } from '../fleet/fleet.ts';
import { openLedger } from '../ledger/open.ts';
import type { JobEntry } from '../ledger/types.ts';
import { locationPassword } from '../ledger/location.ts';
import { createLogger } from '../log/logger.ts';
import { SecretRegistry } from '../log/redact.ts';
import type { FerryMetrics } from '../metrics/ferryMetrics.ts';
import { sleep } from '../pipeline/backoff.ts';
import type { Runner } from '../pipeline/runner.ts';
import type { LevelWithSilent, Logger } from 'pino';
import { driveJob } from './driveJob.ts';
import type { StopControl } from './runJob.ts';
import { targetFor } from './targetFor.ts';
import { workerJobContext, type WorkerBase } from './workerJob.ts';

export interface WorkOptions {
  /** The shared ledger: postgres://… */
  store: string;
  config?: string;
  logLevel?: string;
  /** Exit once no job has unfinished items this worker can serve, instead of waiting for more. */
  exitWhenIdle?: boolean;
  /** Longest wait between two looks at an idle ledger (the first is 1 s, then doubling). */
  idleMaxMs?: number;
  /** Overrides every job's runner.concurrency on this worker. */
  concurrency?: number;
  metrics?: FerryMetrics;
}

export interface WorkResult {
  exitCode: ExitCode;
  /** Jobs this worker drove, with how each ended. */
  served: { job: string; done: number; failed: number; interrupted: boolean }[];
}

const IDLE_FIRST_MS = 1_000;
/** How long a job this worker could not serve is left alone before it tries again: a job or credential problem needs a person; a platform or database hiccup only a moment. */
const setAsideMs = (code: ExitCode): number => (code === ExitCode.unavailable ? 30_000 : 5 * 60_000);

export async function work(options: WorkOptions, stop: StopControl): Promise<WorkResult> {
  const config = loadConfig(options.config);
  const secrets = new SecretRegistry();
  secrets.add(locationPassword(options.store));
  const log = createLogger({ level: (options.logLevel ?? config.config.log.level) as LevelWithSilent, secrets });
  const fleet = await openFleet(options.store);
  if (!fleet) throw new UsageError(`--store ${options.store}: ferry work serves a shared ledger, a postgres://user@host/database URL. Fix: give the PostgreSQL URL the jobs were run with (ferry run <job> --store postgres://…).`);
  const base: WorkerBase = { config, secrets, log, ledgerLocation: options.store, where: fleet.location };
  const state = { draining: false, aborted: false, runner: undefined as Runner | undefined, wake: undefined as (() => void) | undefined };
  const stopAll = new AbortController();
  stop.onStop((stage) => {
    state.draining = true;
    if (stage === 'abort') state.aborted = true;
    stopAll.abort(new Error('stopping'));
    if (stage === 'drain') state.runner?.drain();
    else state.runner?.abort('interrupted');
    state.wake?.();
  });
  const served: WorkResult['served'] = [];
  const setAside = new Map<string, { until: number; code: ExitCode }>();
  try {
    await fleet.migrate();
    log.info({ store: fleet.location }, 'worker started: serving every unfinished job of the ledger');
    let idleMs = IDLE_FIRST_MS;
    while (!state.draining) {
      const now = Date.now();
      const jobs = (await fleet.unfinishedJobs()).filter((entry) => (setAside.get(entry.name)?.until ?? 0) <= now);
      if (jobs.length === 0) {
        if (options.exitWhenIdle) break;
        log.debug({ waitMs: idleMs }, 'no job to serve; waiting');
        await new Promise<void>((resolve) => {
          state.wake = resolve;
          void sleep(idleMs * (0.9 + Math.random() * 0.2)).then(resolve);
        });
        state.wake = undefined;
        idleMs = Math.min(options.idleMaxMs ?? 30_000, idleMs * 2);
        continue;
      }
      idleMs = IDLE_FIRST_MS;
      for (const entry of jobs) {
        if (state.draining) break;
        const ended = await serveJob(entry, base, fleet, options, state, stopAll.signal);
        if ('setAside' in ended) setAside.set(entry.name, { until: Date.now() + setAsideMs(ended.setAside), code: ended.setAside });
        else served.push(ended);
      }
    }
  } finally {
    await fleet.close();
  }
  if (state.aborted) return { exitCode: ExitCode.interrupted, served };
  // Idle with jobs left that this worker could not serve: say why through the exit code.
  const left = [...setAside.values()].filter((entry) => entry.until > Date.now());
  const exitCode = !state.draining && left.length > 0 ? left[0]!.code : ExitCode.ok;
  log.info({ jobs: served.length }, state.draining ? 'worker drained and stopped' : 'worker idle: no job left to serve');
  return { exitCode, served };
}

type Served = WorkResult['served'][number] | { setAside: ExitCode };

async function serveJob(
  entry: JobEntry,
  base: WorkerBase,
  fleet: LedgerFleet,
  options: WorkOptions,
  state: { draining: boolean; runner: Runner | undefined },
  signal: AbortSignal,
): Promise<Served> {
  const log: Logger = base.log.child({ job: entry.name });
  let ctx;
  try {
    ctx = workerJobContext(entry, base);
  } catch (error) {
    log.error({ err: error }, 'cannot serve this job; leaving it to other workers for now');
    return { setAside: ExitCode.usage };
  }
  if (options.concurrency) ctx.job.runner.concurrency = options.concurrency;
  const { durability, poolSize } = ctx.config.config.ledger;
  const store = await openLedger(ctx.ledgerLocation, { job: ctx.job.name, durability, poolSize, create: false });
  try {
    await store.migrate();
    const target = targetFor(ctx, options.metrics?.target, fleet);
    log.info({ target: target.type }, 'serving job');
    const outcome = await driveJob(ctx, store, {
      target,
      signal,
      fleet,
      onRunner: (runner) => (state.runner = runner),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    state.runner = undefined;
    if (outcome.authFailure) {
      log.error({ err: outcome.authFailure }, "the platform refused this worker's credentials for the job; leaving it to other workers for now");
      return { setAside: ExitCode.auth };
    }
    const { counts } = outcome.stats;
    log.info({ done: counts.done + counts.skipped, failed: counts.failed, interrupted: outcome.interrupted }, outcome.interrupted ? 'stopped serving job' : 'job finished');
    return { job: entry.name, done: counts.done + counts.skipped, failed: counts.failed, interrupted: outcome.interrupted };
  } catch (error) {
    if (signal.aborted) return { job: entry.name, done: 0, failed: 0, interrupted: true };
    const code = error instanceof UsageError || error instanceof PermanentError ? ExitCode.usage : error instanceof AuthError ? ExitCode.auth : ExitCode.unavailable;
    log.error({ err: error }, 'cannot serve this job; leaving it to other workers for now');
    return { setAside: code };
  } finally {
    state.runner = undefined;
    await store.close();
  }
}
