// `ferry status` for one job of a shared ledger. Counts per state read the job's rows once.

import { ERROR_TALLY_LIMIT } from '../../errorGroups.ts';
import { nowOr } from './clock.ts';
import { statement } from './statement.ts';
import { FAILED } from './states.ts';

/** $1 job id */
export const countsByState = statement(
  'counts_by_state',
  'SELECT state, count(*) AS n, COALESCE(sum(bytes), 0)::bigint AS bytes FROM ferry.items WHERE job_id = $1 GROUP BY state',
);

/** $1 job id, $2 window ms, $3 now (null: the database's clock) */
export const recentlyFinished = statement(
  'recently_finished',
  `SELECT count(*) AS n FROM ferry.items WHERE job_id = $1 AND finished_at >= ${nowOr('$3')} - $2::bigint`,
);

/**
 * $1 job id. Failed items by error class and message, most frequent first, for the grouping by
 * message shape that both ledgers share (errorGroups.ts). A rejected row's reason starts with its
 * origin (file:line): without it, a hundred thousand rows rejected for one reason are one tally.
 */
export const errorTallies = statement(
  'error_tallies',
  `SELECT error_class AS "errorClass", count(*) AS count, min(last_error) AS example,
     CASE WHEN left(last_error, length(origin) + 2) = origin || ': ' THEN substr(last_error, length(origin) + 3) ELSE last_error END AS message
   FROM ferry.items WHERE job_id = $1 AND state = ${FAILED}
   GROUP BY error_class, message ORDER BY count DESC LIMIT ${ERROR_TALLY_LIMIT}`,
);
