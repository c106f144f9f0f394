// Error classes shared by every layer. Vendor HTTP failures are classified once, at the edge
// (each target's client), into these categories; the runner decides by category, never by
// status code. Every class carries a stable `code` and keeps the original as `cause`.

export const ErrorCategory = {
  retryable: 'retryable',
  rateLimited: 'rate-limited',
  auth: 'auth',
  permanent: 'permanent',
} as const;
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

export class FerryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A transient failure (5xx, connection reset, timeout): retry the same step later. */
export class RetryableError extends FerryError {
  readonly category = ErrorCategory.retryable;
}

/** The platform pushed back (429 or equivalent): pause the whole target, then retry. */
export class RateLimitedError extends FerryError {
  readonly category = ErrorCategory.rateLimited;
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, retryAfterMs?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Credentials are missing, invalid or expired beyond repair: stop the run (exit 3). */
export class AuthError extends FerryError {
  readonly category = ErrorCategory.auth;
}

/** Retrying cannot help (bad input, 4xx, the platform refused the item): fail the item. */
export class PermanentError extends FerryError {
  readonly category = ErrorCategory.permanent;
}

export type ClassifiedError = RetryableError | RateLimitedError | AuthError | PermanentError;

export function isClassified(error: unknown): error is ClassifiedError {
  return error instanceof RetryableError || error instanceof RateLimitedError || error instanceof AuthError || error instanceof PermanentError;
}

/**
 * An operator-facing problem with the job, config or manifest file (exit 2). The message is
 * one paragraph naming the file, the key path or row, and the fix; it is printed without a
 * stack trace.
 */
export class UsageError extends FerryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/**
 * The platform kept answering with transient errors (5xx, 429, timeouts, refused connections)
 * for longer than the retry budget before any item could run. Nothing was lost; try again
 * later (exit 75, EX_TEMPFAIL, which schedulers read as "retry").
 */
export class PlatformUnavailableError extends FerryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/** Exit codes of the operator contract (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  itemsFailed: 1,
  usage: 2,
  auth: 3,
  /** A bug in ferry (EX_SOFTWARE): the only case that may say "defect". */
  defect: 70,
  /** The platform is unavailable (EX_TEMPFAIL): nothing lost, run again later. */
  unavailable: 75,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
