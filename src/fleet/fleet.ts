// The fleet: what the workers of one shared ledger coordinate through besides items — request
// budgets and 429 pauses per platform endpoint, exclusive sections (lookup-or-create of a
// destination), shared documents (a token pair), and the list of jobs still to serve. Only a
// PostgreSQL ledger has one; a SQLite ledger serves one process, whose own budget, locks and
// token file do.

import type { JobEntry } from '../ledger/types.ts';
import { isPostgresLocation } from '../ledger/location.ts';
import type { Fleet } from '../targets/fleet.ts';
import type { JobOverview } from './postgres/overview.ts';

export type { JobOverview } from './postgres/overview.ts';

export interface LedgerFleet extends Fleet {
  /** Where the fleet's ledger is, fit to print (password masked). */
  readonly location: string;
  /** Create or bring the ledger's schema up to date (the fleet's tables live there). */
  migrate(): Promise<void>;
  /** This worker met a 429: hold every budget it has taken from for `ms`, fleet-wide. */
  pauseAll(ms: number): Promise<void>;
  /** Jobs of the ledger with unfinished items, oldest first, with their registered definitions. */
  unfinishedJobs(): Promise<JobEntry[]>;
  /** Every job with its counts, live workers and recent finishes (`ferry status --store`). */
  overview(): Promise<JobOverview[]>;
  /** End the fleet's connections. Idempotent. */
  close(): Promise<void>;
}

/** The fleet of a ledger location, or undefined where the ledger is not shared (a SQLite file). */
export async function openFleet(location: string): Promise<LedgerFleet | undefined> {
  if (!isPostgresLocation(location)) return undefined;
  return (await import('./postgres/fleet.ts')).openPostgresFleet(location);
}
