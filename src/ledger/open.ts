// The one way into a ledger: a location picks the backend. A file path is a SQLite ledger (one
// file per job, one machine); a postgres:// or postgresql:// URL is a PostgreSQL ledger (many
// jobs, many workers). Callers get a LedgerStore and its declared policies, never a backend.
// The PostgreSQL driver is loaded only for a PostgreSQL ledger (about 10 MB and 100 ms of start-up).

import { existsSync } from 'node:fs';
import { LedgerNotFoundError } from './errors.ts';
import { isPostgresLocation } from './location.ts';
import { openSqliteLedger } from './sqlite/store.ts';
import type { LedgerDurability, LedgerStore } from './types.ts';

export interface OpenLedgerOptions {
  /** The job whose items the store holds: a PostgreSQL ledger keys every row by it; SQLite records it. */
  job: string;
  durability?: LedgerDurability;
  /** Connections this process may open to a PostgreSQL ledger (default 4). */
  poolSize?: number;
  /**
   * false: open only a ledger that already holds the job, never create one (read-side verbs).
   * A missing one throws LedgerNotFoundError: a SQLite file at once, PostgreSQL from migrate().
   */
  create?: boolean;
}

export async function openLedger(location: string, options: OpenLedgerOptions): Promise<LedgerStore> {
  if (isPostgresLocation(location)) return (await import('./postgres/store.ts')).openPostgresLedger(location, options);
  if (options.create === false && !existsSync(location)) throw new LedgerNotFoundError(location, options.job);
  return openSqliteLedger(location, { job: options.job, durability: options.durability });
}
