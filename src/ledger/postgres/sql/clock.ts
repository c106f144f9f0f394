// Time in a shared ledger is the database's: leases are measured by one clock for every
// worker, so a machine whose clock runs ahead cannot steal items and one that lags cannot keep
// them. Epoch milliseconds, like every time column of the ledger.

/** The database's clock, epoch ms: now() is the transaction's start, the same in every use within it. */
export const DB_NOW_MS = '(extract(epoch from now()) * 1000)::bigint';

/** A caller's `now` when given (tests move through time with it), else the database's clock. */
export function nowOr(parameter: string): string {
  return `COALESCE(${parameter}::bigint, ${DB_NOW_MS})`;
}

/**
 * When an unfinished item may next be claimed: once its backoff (not_before) has passed and its
 * lease (if any) has expired. Indexed (migration 1), so claiming reads the front of one index
 * range and never walks past items that other workers hold; a query must spell it exactly so.
 */
export const CLAIMABLE_AT = 'GREATEST(not_before, COALESCE(lease_until, 0))';
