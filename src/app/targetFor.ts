// The job's target, built from its registration with the job's config section, secrets and logger.

import { createTarget, registrationFor } from '../targets/registry.ts';
import type { Target } from '../targets/types.ts';
import type { JobContext } from './jobContext.ts';

export function targetFor(ctx: JobContext): Target {
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
  });
}

/** The registration of the job's platform. */
export function registrationOf(ctx: JobContext): ReturnType<typeof registrationFor> {
  return registrationFor(ctx.job.job.target.type);
}
