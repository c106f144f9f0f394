// A shared document in the ledger, rotated by one worker at a time: the row is locked with
// SELECT … FOR UPDATE for the whole rotation (the caller's refresh call included), so a second
// worker waits for the first and then reads what it stored — "single refresher, many users".
// The commit that stores a new document waits for the disk (synchronous_commit on) whatever the
// ledger's durability: a rotated single-use token must survive a crash of the database host
// before anyone uses its pair.

import type pg from 'pg';
import { RetryableError } from '../../core/errors.ts';
import type { JsonValue } from '../../ledger/types.ts';
import type { SharedDocument } from '../../targets/fleet.ts';

/** How long a rotation waits for another worker's before giving up (retryable). */
const LOCK_WAIT_MS = 120_000;
const LOCK_NOT_AVAILABLE = '55P03';

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
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
      await client.query('SET LOCAL synchronous_commit = on');
      await client.query(`INSERT INTO ferry.shared_documents (key, document, updated_at) VALUES ($1, NULL, 0) ON CONFLICT (key) DO NOTHING`, [this.#key]);
      const { rows } = await client.query<{ document: JsonValue | null }>('SELECT document FROM ferry.shared_documents WHERE key = $1 FOR UPDATE', [this.#key]);
      const stored = rows[0]?.document ?? undefined;
      const next = await update(stored);
      if (next !== undefined) {
        await client.query(`UPDATE ferry.shared_documents SET document = $2::jsonb, updated_at = (extract(epoch from now()) * 1000)::bigint WHERE key = $1`, [this.#key, JSON.stringify(next)]);
      }
      await client.query('COMMIT');
      return next ?? stored;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) {
        throw new RetryableError('fleet:document-lock', `${this.where} is being rotated by another worker for longer than ${LOCK_WAIT_MS / 1000} s`);
      }
      throw error;
    } finally {
      client.release();
    }
  }
}
