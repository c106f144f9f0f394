// Planning inside one transaction per batch: new keys are inserted as pending, unchanged ones
// are only stamped with the plan generation, changed ones follow the job's change policy, and
// a key already stamped with this generation is a duplicate in the manifest.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RejectedRow } from '../../manifest/types.ts';
import type { ChangePolicy, PlanBatchResult } from '../types.ts';
import { DROP_CLAIM_INDEX } from './claimIndex.ts';
import { BatchReader, type EncodedBatch } from './planCodec.ts';

interface Existing {
  state: string;
  source: string;
  fields: string;
  size: number | null;
  mtime_ms: number | null;
  error_class: string | null;
  plan_generation: number;
}

/** Items that are done with (or have not started) their upload can safely be sent round again. */
const RESETTABLE = new Set(['done', 'skipped', 'failed', 'pending']);

export class SqlitePlanner {
  readonly #db: DatabaseSync;
  readonly #find: StatementSync;
  readonly #insertNew: StatementSync;
  readonly #stamp: StatementSync;
  readonly #reset: StatementSync;
  readonly #reject: StatementSync;
  #generation = 0;
  #expectKnown = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#find = db.prepare('SELECT state, source, fields, size, mtime_ms, error_class, plan_generation FROM items WHERE key = ?');
    // Insert first: on a first plan nearly every key is new, and one statement beats a lookup
    // plus an insert. Only keys that were already there are looked up.
    this.#insertNew = db.prepare(
      `INSERT OR IGNORE INTO items (key, source, fields, size, mtime_ms, origin, state, created_at, updated_at, plan_generation)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
    );
    this.#stamp = db.prepare('UPDATE items SET plan_generation = ? WHERE key = ?');
    this.#reset = db.prepare(
      `UPDATE items SET source = ?, fields = ?, size = ?, mtime_ms = ?, origin = ?, state = 'pending',
         remote = '{}', attempts = 0, not_before = 0, last_error = NULL, error_class = NULL, bytes = NULL,
         started_at = NULL, finished_at = NULL, updated_at = ?, plan_generation = ?,
         revision = CASE WHEN state IN ('done', 'skipped') THEN revision + 1 ELSE revision END
       WHERE key = ?`,
    );
    this.#reject = db.prepare(
      `INSERT INTO items (key, source, fields, origin, state, last_error, error_class, created_at, updated_at, finished_at, plan_generation)
       VALUES (?, '', '{}', ?, 'failed', ?, 'rejected', ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = 'failed', last_error = excluded.last_error, error_class = 'rejected', source = '', fields = '{}',
         origin = excluded.origin, updated_at = excluded.updated_at, finished_at = excluded.finished_at, plan_generation = excluded.plan_generation
       WHERE items.state NOT IN ('done', 'skipped') AND items.plan_generation <> excluded.plan_generation`,
    );
  }

  upsert(generation: number, batch: EncodedBatch, policy: ChangePolicy, now: number): PlanBatchResult {
    this.#begin(generation);
    const counts: PlanBatchResult = { added: 0, changed: 0, unchanged: 0, duplicates: 0, rejected: 0, duplicateKeys: [] };
    const row = new BatchReader(batch);
    while (row.next()) {
      const { key, source, fields, size, mtimeMs, origin } = row;
      // Manifests come in runs: a first plan is all new keys, a nightly re-plan nearly all
      // known ones. Try first what the previous row turned out to be.
      let existing = this.#expectKnown ? (this.#find.get(key) as unknown as Existing | undefined) : undefined;
      if (!existing) {
        const inserted = this.#insertNew.run(key, source, fields, size, mtimeMs, origin, now, now, generation);
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
      } else if (existing.source === source && existing.fields === fields && existing.size === size && existing.mtime_ms === mtimeMs) {
        this.#stamp.run(generation, key);
        counts.unchanged++;
      } else if (existing.error_class === 'rejected' || (policy === 'reupload' && RESETTABLE.has(existing.state))) {
        // A row rejected before never reached the platform: its corrected version always replaces it.
        this.#reset.run(source, fields, size, mtimeMs, origin, now, generation, key);
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
    this.#begin(generation);
    for (const row of rows) this.#reject.run(row.key, row.origin, row.reason, now, now, now, generation);
  }

  /** The first batch of a plan into an empty ledger drops the claim index (see claimIndex.ts). */
  #begin(generation: number): void {
    if (generation === this.#generation) return;
    this.#generation = generation;
    this.#expectKnown = false;
    if (this.#db.prepare('SELECT NOT EXISTS (SELECT 1 FROM items) AS empty').get()!.empty === 1) this.#db.exec(DROP_CLAIM_INDEX);
  }
}
