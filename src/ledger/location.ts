// Where a job's ledger lives when the operator does not say: a SQLite file per job, private to
// its owner (sqlite/paths.ts). A location given with --ledger may instead be a postgres:// URL
// (open.ts decides by its form).

import { ledgerPathForJob } from './sqlite/paths.ts';

/** `<dir>/<job>.sqlite`, by default in a `.ferry` folder beside the job file. */
export function defaultLedgerLocation(jobFile: string, jobName: string, dir?: string): string {
  return ledgerPathForJob(jobFile, jobName, dir);
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** Whether a location names a PostgreSQL ledger rather than a file. */
export function isPostgresLocation(location: string): boolean {
  return POSTGRES_URL.test(location);
}

/** The password of a ledger URL, if it carries one (to be masked wherever text leaves ferry). */
export function locationPassword(location: string): string | undefined {
  if (!isPostgresLocation(location)) return undefined;
  try {
    const password = new URL(location).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
