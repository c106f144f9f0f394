// Numbered SQL migrations, applied in order inside one transaction each; the applied version
// lives in SQLite's own user_version so no extra table can drift from it.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');

export function applyMigrations(db: DatabaseSync): number {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{4}_.+\.sql$/.test(name))
    .sort();
  const current = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-check under the write lock: another process may have migrated meanwhile.
      const now = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (version > now) {
        db.exec(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'));
        db.exec(`PRAGMA user_version = ${version}`);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return files.length;
}
