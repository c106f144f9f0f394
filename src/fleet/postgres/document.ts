// A shared document in the ledger, rotated by one worker at a time: the row is locked with
// SELECT … FOR UPDATE for the whole rotation (the caller's refresh call included), so a second
// worker waits for the first and then reads what it stored — "single refresher, many users".
// The commit that stores a new document waits for the disk (synchronous_commit on) whatever the
// ledger's durability: a rotated single-use token must survive a crash of the database host
// before anyone uses its pair.

import type pg from 'pg';
import { RetryableError } from '../../core/errors.ts';
import { sleep } from '../../pipeline/backoff.ts';
import type { JsonValue } from '../../ledger/types.ts';
import type { SharedDocument } from '../../targets/fleet.ts';

/** How long a rotation waits for another worker's before giving up (retryable). */
const LOCK_WAIT_MS = 120_000;
const LOCK_NOT_AVAILABLE = '55P03';
/** Storing a rotated document again after its first commit failed: attempts, and the pause between them. */
const STORE_AGAIN_ATTEMPTS = 5;
const STORE_AGAIN_PAUSE_MS = 2_000;

const STORE = `UPDATE ferry.shared_documents SET document = $2::jsonb, updated_at = (extract(epoch from now()) * 1000)::bigint WHERE key = $1`;
/** The same (the row too, if its creation was rolled back), only over the document the rotation started from. */
const STORE_OVER = `INSERT INTO ferry.shared_documents AS stored (key, document, updated_at) VALUES ($1, $2::jsonb, (extract(epoch from now()) * 1000)::bigint)
  ON CONFLICT (key) DO UPDATE SET document = EXCLUDED.document, updated_at = EXCLUDED.updated_at WHERE stored.document IS NOT DISTINCT FROM $3::jsonb`;

export class PostgresSharedDocument implements SharedDocument {
  readonly where: string;
  readonly #pool: pg.Pool;
  readonly #key: string;

  constructor(pool: pg.Pool, key: string, location: string) {
    this.#pool = pool;
    this.#key = key;
    this.where = `${location} (ferry.shared_documents "${key}")`;
  }

  async read(): Promise<JsonValue | undefined> {
    const { rows } = await this.#pool.query<{ document: JsonValue | null }>('SELECT document FROM ferry.shared_documents WHERE key = $1', [this.#key]);
    return rows[0]?.document ?? undefined;
  }

  async rotate(update: (stored: JsonValue | undefined) => Promise<JsonValue | undefined>): Promise<JsonValue | undefined> {
    const client = await this.#pool.connect();
    let released = false;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
      await client.query('SET LOCAL synchronous_commit = on');
      await client.query(`INSERT INTO ferry.shared_documents (key, document, updated_at) VALUES ($1, NULL, 0) ON CONFLICT (key) DO NOTHING`, [this.#key]);
      const { rows } = await client.query<{ document: JsonValue | null }>('SELECT document FROM ferry.shared_documents WHERE key = $1 FOR UPDATE', [this.#key]);
      const stored = rows[0]?.document ?? undefined;
      const next = await update(stored);
      if (next === undefined) {
        await client.query('COMMIT');
        return stored;
      }
      try {
        await client.query(STORE, [this.#key, JSON.stringify(next)]);
        await client.query('COMMIT');
      } catch (error) {
        // `update` may have spent something single-use (a refresh token) to make `next`: losing
        // it would strand every worker. Store it again in a fresh transaction, over the very
        // document it replaces only, before giving up.
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(true);
        released = true;
        await this.#storeAgain(stored, next, error);
      }
      return next;
    } catch (error) {
      if (!released) await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) {
        throw new RetryableError('fleet:document-lock', `${this.where} is being rotated by another worker for longer than ${LOCK_WAIT_MS / 1000} s`);
      }
      throw error;
    } finally {
      if (!released) client.release();
    }
  }

  async #storeAgain(replaced: JsonValue | undefined, next: JsonValue, cause: unknown): Promise<void> {
    for (let attempt = 1; attempt <= STORE_AGAIN_ATTEMPTS; attempt++) {
      await sleep(STORE_AGAIN_PAUSE_MS);
      let stored: boolean;
      try {
        const client = await this.#pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SET LOCAL synchronous_commit = on');
          const result = await client.query(STORE_OVER, [this.#key, JSON.stringify(next), replaced === undefined ? null : JSON.stringify(replaced)]);
          await client.query('COMMIT');
          stored = result.rowCount === 1;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      } catch {
        continue; // the database is still away: the next attempt
      }
      if (stored) return;
      // Someone else stored a document meanwhile: theirs stands, and ours is not needed.
      throw new RetryableError('fleet:document-stale', `${this.where} changed while its rotation was being stored again`);
    }
    throw cause;
  }
}
