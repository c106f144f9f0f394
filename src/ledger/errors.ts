// Errors a ledger raises when opening, for the operator to act on (exit 2, one paragraph each).
// Storage failures during work are plain errors, and LeaseLostError lives with the interface.

import { UsageError } from '../core/errors.ts';

/** The ledger was written by a newer ferry: its schema has migrations this code does not know. */
export class LedgerTooNewError extends UsageError {
  readonly found: number;
  readonly known: number;
  constructor(location: string, found: number, known: number) {
    super(
      `${location}: the ledger's schema is version ${found}, newer than this ferry knows (version ${known}); a newer ferry has migrated it. ` +
        'Fix: run this job with that newer ferry (upgrade every worker); an older one must not write to it.',
    );
    this.found = found;
    this.known = known;
  }
}

/** A read-side verb asked for a job that has no ledger at this location yet. */
export class LedgerNotFoundError extends UsageError {
  constructor(location: string, job: string) {
    super(`${location}: job ${job} has no ledger there yet.`);
  }
}

/** The ledger's server could not be reached or refused the connection. */
export class LedgerUnavailableError extends UsageError {
  constructor(location: string, reason: string, options?: { cause?: unknown }) {
    super(`${location}: cannot open the ledger: ${reason}. Fix: check the ledger URL and that its database server is running and reachable.`, options);
  }
}
