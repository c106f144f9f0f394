// Numbered migrations (migrations.ts), applied in order inside one transaction each; the applied
// version lives in SQLite's own user_version so no extra table can drift from it.

import type { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from './migrations.ts';

export function applyMigrations(db: DatabaseSync): number {
  const current = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-check under the write lock: another process may have migrated meanwhile.
      const now = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
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
  return MIGRATIONS.length;
}
