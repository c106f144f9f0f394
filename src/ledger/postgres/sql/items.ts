// Reading items, and the one write that is not a worker's: retry.

import { REJECTED, WITHDRAWABLE_STATES } from '../../planRules.ts';
import { sqlStates } from '../../sqlStates.ts';
import { ItemState } from '../../types.ts';
import { DB_NOW_MS } from './clock.ts';
import { statement } from './statement.ts';
import { FAILED, PENDING } from './states.ts';

/** $1 job id, $2 key */
export const getItem = statement('get_item', 'SELECT * FROM ferry.items WHERE job_id = $1 AND key = $2');

/** Keyset pages in key order: $1 job id, $2 the last key of the previous page, $3 page size. */
export const itemsPage = statement('items_page', 'SELECT * FROM ferry.items WHERE job_id = $1 AND key > $2 ORDER BY key LIMIT $3');

/** The same, only items in some states: $4 the states (text[]). */
export const itemsPageInStates = statement(
  'items_page_in_states',
  'SELECT * FROM ferry.items WHERE job_id = $1 AND key > $2 AND state = ANY ($4::text[]) ORDER BY key LIMIT $3',
);

/**
 * $1 job id. failed → pending with a fresh attempt and time budget; rejected manifest rows stay
 * failed, since only a corrected manifest (re-planned) can fix them.
 */
export const retryFailed = statement(
  'retry_failed',
  `UPDATE ferry.items SET state = ${PENDING}, attempts = 0, not_before = 0, started_at = NULL, finished_at = NULL, updated_at = ${DB_NOW_MS}
   WHERE job_id = $1 AND state = ${FAILED} AND COALESCE(error_class, '') <> '${REJECTED}'`,
);

/**
 * $1 job id, $2 the plan generation that read the whole manifest: items not started whose row it
 * did not see are withdrawn; a worker's lease (by the database clock) keeps an item out of it.
 */
export const withdrawUnseen = statement(
  'withdraw_unseen',
  `UPDATE ferry.items SET state = '${ItemState.withdrawn}', not_before = 0, finished_at = ${DB_NOW_MS}, updated_at = ${DB_NOW_MS}
   WHERE job_id = $1 AND plan_generation <> $2 AND state IN (${sqlStates(WITHDRAWABLE_STATES)})
     AND (lease_owner IS NULL OR lease_until < ${DB_NOW_MS})`,
);

/**
 * $1 job id, $2 a key to leave out, $3 a file name, $4 LIKE patterns (text[]): items whose source
 * is the name, or a path or URL ending in it (before any query string). ILIKE, like SQLite's
 * LIKE, ignores case, which can only overcount. A scan of the job: for rare questions only.
 */
export const countWithSourceName = statement(
  'count_with_source_name',
  `SELECT count(*) AS n FROM ferry.items
   WHERE job_id = $1 AND key <> $2 AND (source = $3 OR source ILIKE ANY ($4::text[]))`,
);
