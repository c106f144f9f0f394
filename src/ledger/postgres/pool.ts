// The connection pool behind a PostgreSQL ledger: small (a worker's steps are short
// statements; a few connections keep the server's process count low across a fleet), with
// 64-bit integers read as numbers (epoch milliseconds and counts stay below 2^53) and the
// commit durability the config asks for.

import pg from 'pg';
import type { LedgerDurability } from '../types.ts';

export interface PostgresPoolOptions {
  /** Connections this process may open to the ledger. */
  poolSize: number;
  durability: LedgerDurability;
}

export const DEFAULT_POOL_SIZE = 4;

const INT8_OID = 20;
const parseInt8 = (value: string): number => Number(value);
// Per pool rather than pg.types.setTypeParser: no process-wide setting another module could trip on.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

export function createPool(url: string, options: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    types,
    application_name: 'ferry',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // normal: a commit returns once the server has it, before its WAL reaches the disk. Any crash
    // or kill of ferry loses nothing; only a crash of the database host can lose the last moments
    // (the same promise as SQLite's normal). full: every commit waits for the disk.
    options: `-c synchronous_commit=${options.durability === 'full' ? 'on' : 'off'}`,
  });
  // An idle connection that dies (server restart) is reported here; the next query opens a new
  // one or fails with the cause, so there is nothing to do but not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** The location as it may be printed: the password masked. */
export function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
