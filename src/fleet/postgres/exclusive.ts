// Fleet-wide exclusive sections: a transaction-scoped advisory lock on (FLEET_LOCK_SPACE,
// hashtext(key)) held while `work` runs, so two workers never look up and create the same
// destination (a gallery, a work zone) at once: the second waits, then finds what the first
// made. A holder that dies loses its connection and with it the lock; nothing can wedge it.
// Two keys that hash alike only take turns, which is harmless.

import type pg from 'pg';
import { RetryableError } from '../../core/errors.ts';
import { FLEET_LOCK_SPACE } from '../../ledger/postgres/locks.ts';

const LOCK_WAIT_MS = 120_000;
const LOCK_NOT_AVAILABLE = '55P03';

export async function exclusive<T>(pool: pg.Pool, key: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FLEET_LOCK_SPACE, key]);
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw new RetryableError('fleet:lock', `another worker held the fleet lock "${key}" for longer than ${LOCK_WAIT_MS / 1000} s`);
      throw error;
    }
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
