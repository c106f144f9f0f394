// Calls made before the first item can run (credential check, gallery or work-zone lookup,
// `ferry validate`'s checks) meet the same transient failures as item steps. They are retried
// with the runner's backoff, honouring Retry-After, within a budget; past it the platform
// counts as unavailable — a clear exit 75, never a stack trace or a "defect".

import type { Logger } from 'pino';
import { PlatformUnavailableError, RateLimitedError, RetryableError } from '../core/errors.ts';
import { backoffDelay, sleep } from './backoff.ts';

export interface TransientRetryOptions {
  /** What is being done, for the log and the final message: "checking the Cincopa credentials". */
  what: string;
  budgetMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  signal?: AbortSignal;
  log?: Logger;
  now?: () => number;
}

export async function retryTransient<T>(work: () => Promise<T>, options: TransientRetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof RetryableError || error instanceof RateLimitedError) || options.signal?.aborted) throw error;
      const wait = error instanceof RateLimitedError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffDelay(attempt, options.backoffBaseMs, options.backoffMaxMs);
      if (now() + wait > deadline) {
        throw new PlatformUnavailableError(
          `${options.what} failed with transient errors for ${Math.round((now() - deadline + options.budgetMs) / 1000)} s (${attempt} attempts; last: ${error.message}). ` +
            'Nothing was uploaded or lost. Fix: run the same command again later; raise runner.prepareTimeoutMs to wait longer.',
          { cause: error },
        );
      }
      options.log?.warn({ attempt, retryInMs: wait, error: error.message }, `${options.what}: transient failure; retrying`);
      await sleep(wait, options.signal);
    }
  }
}
