// The one place that knows every target type. A new platform is a folder under targets/ plus
// one case here.

import { UsageError } from '../core/errors.ts';
import type { JobContext } from '../app/jobContext.ts';
import { resolveCincopaToken } from '../config/secrets.ts';
import { createCincopaTarget } from './cincopa/target.ts';
import type { Target } from './types.ts';

export function createTarget(ctx: JobContext): Target {
  const spec = ctx.job.job.target;
  switch (spec.type) {
    case 'cincopa': {
      const cincopa = ctx.config.config.cincopa;
      return createCincopaTarget({
        apiUrl: cincopa.apiUrl,
        apiToken: resolveCincopaToken(ctx.config, ctx.secrets, ctx.env),
        mode: spec.mode,
        jobName: ctx.job.name,
        gallery: spec.gallery,
        pollIntervalMs: cincopa.pollIntervalMs,
        processingTimeoutMs: cincopa.processingTimeoutMs,
        chunkSizeBytes: cincopa.chunkSizeBytes,
        submitGraceMs: cincopa.submitGraceMs,
        requestTimeoutMs: cincopa.requestTimeoutMs,
        secrets: ctx.secrets,
        log: ctx.log.child({ target: 'cincopa' }),
      });
    }
    case 'cintoo':
      throw new UsageError(
        `${ctx.job.file}: target.type "cintoo" is recognised, but uploading to Cintoo is not available in this version of ferry; it comes with the Cintoo target. ` +
          'Fix: run Cintoo jobs with a later ferry; `ferry validate` already checks their config, job file and manifest.',
      );
  }
}
