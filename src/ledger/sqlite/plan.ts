// Planning inside one transaction per batch: new keys are inserted as pending, unchanged ones
// are only stamped with the plan generation, changed ones follow the job's change policy, and
// a key already stamped with this generation is a duplicate in the manifest.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RejectedRow } from '../../manifest/types.ts';
import type { EncodedItem } from './planWriter.ts';
import type { ChangePolicy, PlanBatchResult } from '../types.ts';

interface Existing {
  state: string;
  content_hash: string;
  plan_generation: number;
}

/** Items that are done with (or have not started) their upload can safely be sent round again. */
const RESETTABLE = new Set(['done', 'skipped', 'failed', 'pending']);

export class SqlitePlanner {
  readonly #find: StatementSync;
  readonly #insertNew: StatementSync;
  readonly #stamp: StatementSync;
  readonly #reset: StatementSync;
  readonly #reject: StatementSync;
  #expectKnown = false;

  constructor(db: DatabaseSync) {
    this.#find = db.prepare('SELECT state, content_hash, plan_generation FROM items WHERE key = ?');
    // Insert first: on a first plan nearly every key is new, and one statement beats a lookup
    // plus an insert. Only keys that were already there are looked up.
    this.#insertNew = db.prepare(
      `INSERT OR IGNORE INTO items (key, source, fields, size, mtime_ms, content_hash, origin, state, created_at, updated_at, plan_generation)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
    );
    this.#stamp = db.prepare('UPDATE items SET plan_generation = ? WHERE key = ?');
    this.#reset = db.prepare(
      `UPDATE items SET source = ?, fields = ?, size = ?, mtime_ms = ?, content_hash = ?, origin = ?, state = 'pending',
         remote = '{}', attempts = 0, not_before = 0, last_error = NULL, error_class = NULL, bytes = NULL,
         started_at = NULL, finished_at = NULL, updated_at = ?, plan_generation = ?,
         revision = CASE WHEN state IN ('done', 'skipped') THEN revision + 1 ELSE revision END
       WHERE key = ?`,
    );
    this.#reject = db.prepare(
      `INSERT INTO items (key, source, fields, content_hash, origin, state, last_error, error_class, created_at, updated_at, finished_at, plan_generation)
       VALUES (?, '', '{}', '', ?, 'failed', ?, 'rejected', ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = 'failed', last_error = excluded.last_error, error_class = 'rejected', content_hash = '',
         origin = excluded.origin, updated_at = excluded.updated_at, finished_at = excluded.finished_at, plan_generation = excluded.plan_generation
       WHERE items.state NOT IN ('done', 'skipped') AND items.plan_generation <> excluded.plan_generation`,
    );
  }

  upsert(generation: number, items: EncodedItem[], policy: ChangePolicy, now: number): PlanBatchResult {
    const counts: PlanBatchResult = { added: 0, changed: 0, unchanged: 0, duplicates: 0, rejected: 0, duplicateKeys: [] };
    for (const [key, source, fields, size, mtimeMs, contentHash, origin] of items) {
      // Manifests come in runs: a first plan is all new keys, a nightly re-plan nearly all
      // known ones. Try first what the previous row turned out to be.
      let existing = this.#expectKnown ? (this.#find.get(key) as unknown as Existing | undefined) : undefined;
      if (!existing) {
        const inserted = this.#insertNew.run(key, source, fields, size, mtimeMs, contentHash, origin, now, now, generation);
        this.#expectKnown = inserted.changes === 0;
        if (!this.#expectKnown) {
          counts.added++;
          continue;
        }
        existing = this.#find.get(key) as unknown as Existing;
      }
      if (existing.plan_generation === generation) {
        counts.duplicates++;
        counts.duplicateKeys.push(key);
      } else if (existing.content_hash === contentHash) {
        this.#stamp.run(generation, key);
        counts.unchanged++;
      } else if (policy === 'reupload' && RESETTABLE.has(existing.state)) {
        this.#reset.run(source, fields, size, mtimeMs, contentHash, origin, now, generation, key);
        counts.changed++;
      } else {
        // ignore policy, or an upload in flight: it finishes with what it started with; with
        // reupload the next plan sees the change again once it has settled.
        this.#stamp.run(generation, key);
        counts.changed++;
      }
    }
    return counts;
  }

  reject(generation: number, rows: RejectedRow[], now: number): void {
    for (const row of rows) this.#reject.run(row.key, row.origin, row.reason, now, now, now, generation);
  }
}
