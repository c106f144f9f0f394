// Classification of HTTP outcomes into ferry's error categories, shared by every target's
// client. The runner only ever sees the category: retryable, rate-limited, auth or permanent.

import { AuthError, PermanentError, RateLimitedError, RetryableError, type ClassifiedError } from '../core/errors.ts';

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** An HTTP status the platform answered with, as an error of the right category. */
export function errorForStatus(status: number, message: string, code: string, retryAfter?: string | string[]): ClassifiedError {
  if (status === 429) return new RateLimitedError(code, message, parseRetryAfter(retryAfter));
  if (status === 503 && retryAfter !== undefined) return new RateLimitedError(code, message, parseRetryAfter(retryAfter));
  if (status === 408 || status >= 500) return new RetryableError(code, message);
  if (status === 401 || status === 403) return new AuthError(code, message);
  return new PermanentError(code, message);
}

/**
 * A request that got no usable answer (reset, refused, DNS, timed out, cut mid-body). Always
 * retryable: the item's attempt budget bounds how long a dead endpoint is tried.
 */
export function errorForTransport(error: unknown, what: string, scrub: (text: string) => string): ClassifiedError {
  const code = (error as { code?: string }).code ?? (error as Error).name ?? 'unknown';
  return new RetryableError(`network:${code}`, scrub(`${what}: ${(error as Error).message ?? String(error)}`), { cause: error });
}

/** Platform messages that describe a passing condition, even when sent as a plain failure. */
export function looksTransient(message: string): boolean {
  return /rate|limit|too many|try again|temporar|timeout|timed out|busy|unavailable/i.test(message);
}
