// Numbered migrations (migrations.ts), applied in order inside one transaction each; the applied
// version lives in SQLite's own user_version so no extra table can drift from it. A ledger
// migrated by a newer ferry is refused: this code would misread what it does not know.

import type { DatabaseSync } from 'node:sqlite';
import { LedgerTooNewError } from '../errors.ts';
import { MIGRATIONS } from './migrations.ts';

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

export function applyMigrations(db: DatabaseSync, location: string): number {
  const current = userVersion(db);
  if (current > SQLITE_SCHEMA_VERSION) throw new LedgerTooNewError(location, current, SQLITE_SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-check under the write lock: another process may have migrated meanwhile.
      const now = userVersion(db);
      if (now > SQLITE_SCHEMA_VERSION) throw new LedgerTooNewError(location, now, SQLITE_SCHEMA_VERSION);
      if (migration.version > now) {
        db.exec(migration.sql);
        db.exec(`PRAGMA user_version = ${migration.version}`);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return SQLITE_SCHEMA_VERSION;
}

function userVersion(db: DatabaseSync): number {
  return (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
}
