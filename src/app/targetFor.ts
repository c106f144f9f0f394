// The job's target, built from its registration with the job's config section, secrets and logger.

import { createTarget, registrationFor } from '../targets/registry.ts';
import type { TransientRetryOptions } from '../pipeline/retryTransient.ts';
import type { Fleet } from '../targets/fleet.ts';
import type { Target } from '../targets/types.ts';
import { NO_TARGET_METRICS, type TargetMetrics } from '../metrics/types.ts';
import type { JobContext } from './jobContext.ts';

/** `fleet`: when workers share the ledger, what the target shares with them (budget, locks, tokens). */
export function targetFor(ctx: JobContext, metrics: TargetMetrics = NO_TARGET_METRICS, fleet?: Fleet): Target {
  return createTarget({
    sections: ctx.config.config as unknown as Record<string, unknown>,
    spec: ctx.job.job.target,
    job: { name: ctx.job.name, file: ctx.job.file, baseDir: ctx.job.baseDir },
    configBaseDir: ctx.config.baseDir,
    configFile: ctx.config.file,
    runner: ctx.job.runner,
    secrets: ctx.secrets,
    env: ctx.env,
    log: ctx.log,
    metrics,
    ...(fleet ? { fleet } : {}),
  });
}

/** The registration of the job's platform. */
export function registrationOf(ctx: JobContext): ReturnType<typeof registrationFor> {
  return registrationFor(ctx.job.job.target.type);
}

/** How calls made before the first item (prepare, validate's checks) retry transient errors. */
export function prepareRetry(ctx: JobContext): Omit<TransientRetryOptions, 'what'> {
  const runner = ctx.job.runner;
  return { budgetMs: runner.prepareTimeoutMs, backoffBaseMs: runner.backoffBaseMs, backoffMaxMs: runner.backoffMaxMs, log: ctx.log };
}
