// Applies the numbered migrations (migrations.ts) the way pg-boss and graphile-worker do with
// many workers starting at once: one transaction, a bounded wait for locks (lock_timeout, so a
// migration never queues every worker's statements behind it for long), and a transaction-
// scoped advisory lock so exactly one process migrates while the others wait and then find the
// work done. A schema newer than this code is refused before anything is written.

import type pg from 'pg';
import { LedgerTooNewError } from '../errors.ts';
import { LOCK_SPACE, MIGRATION_LOCK } from './locks.ts';
import { MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './migrations.ts';

/** How long a migrator waits for the advisory lock or a table lock before giving up. */
const LOCK_TIMEOUT_MS = 60_000;
const LOCK_NOT_AVAILABLE = '55P03';

const BOOTSTRAP = `
CREATE SCHEMA IF NOT EXISTS ferry;
CREATE TABLE IF NOT EXISTS ferry.migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);`;

/** The schema version of the database: 0 when ferry has never migrated it. */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const table = await client.query<{ exists: boolean }>(`SELECT to_regclass('ferry.migrations') IS NOT NULL AS exists`);
  if (!table.rows[0]!.exists) return 0;
  const version = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM ferry.migrations');
  return version.rows[0]!.version ?? 0;
}

/** Brings the schema to this code's version; returns the version found before. */
export async function migrateSchema(client: pg.ClientBase, location: string): Promise<number> {
  const found = await schemaVersion(client);
  if (found > POSTGRES_SCHEMA_VERSION) throw new LedgerTooNewError(location, found, POSTGRES_SCHEMA_VERSION);
  if (found === POSTGRES_SCHEMA_VERSION) return found;
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, MIGRATION_LOCK]);
    await client.query(BOOTSTRAP);
    // Under the lock: another worker may have migrated while this one waited.
    const current = await schemaVersion(client);
    if (current > POSTGRES_SCHEMA_VERSION) throw new LedgerTooNewError(location, current, POSTGRES_SCHEMA_VERSION);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO ferry.migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) {
      throw new Error(`${location}: could not migrate the ledger: another process held its locks for over ${LOCK_TIMEOUT_MS / 1000} s (a migration or a long transaction). Try again.`, { cause: error });
    }
    throw error;
  }
  return found;
}
