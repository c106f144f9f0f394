// Group commit: the transitions that concurrent items ask for within one turn of the event loop
// are written in one `BEGIN IMMEDIATE … COMMIT` instead of one transaction each. A commit is
// where SQLite pays (WAL frames, the write lock, with `synchronous = FULL` an fsync), so 32
// items finishing their steps together pay for one commit, not 32.
//
// Invariants:
//  - A caller's promise settles only after the COMMIT that holds its row returned, so "the
//    transition resolved" still means "it is as durable as the ledger's `synchronous` setting
//    makes any commit" and the resume rule (persist before the next external call) holds.
//  - Each write is one statement; a statement that fails or matches no row (a lost lease) is
//    undone by SQLite alone (statement rollback), so only its caller fails, never the batch.
//  - Writes keep their order: one batch, applied in the order the calls were made.

import type { DatabaseSync } from 'node:sqlite';

interface Queued<T> {
  apply(): T;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export class GroupCommitter {
  readonly #db: DatabaseSync;
  #queue: Queued<unknown>[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Runs `apply` (one write; it may throw to fail only this caller) in the next group commit;
   * resolves with its result once that commit is done.
   */
  submit<T>(apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ apply, resolve, reject } as Queued<unknown>);
      // setImmediate, not a microtask: the replies that arrived in the same I/O phase have all
      // run their callbacks (and queued their transitions) by the time it fires.
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commit whatever is queued now (the store is closing, or another write must follow these). */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (const entry of batch) {
      try {
        outcomes.push({ ok: true, value: entry.apply() });
      } catch (error) {
        outcomes.push({ ok: false, error });
        // Some errors (disk full, I/O, out of memory) make SQLite roll the whole transaction
        // back by itself: nothing of this batch stands, and the rest must not run in autocommit.
        if (!this.#db.isTransaction) {
          for (const failed of batch) failed.reject(error);
          return;
        }
      }
    }
    try {
      this.#db.exec('COMMIT');
    } catch (error) {
      // Nothing of this batch is durable: every caller learns it.
      rollBack(this.#db);
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }

  /** Calls queued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }
}

/** Ends a failed transaction, unless SQLite already rolled it back itself (it does on some errors). */
function rollBack(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // no transaction was active any more
  }
}
