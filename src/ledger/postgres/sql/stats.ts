// `ferry status` for one job of a shared ledger. Counts per state read the job's rows once.

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

/** $1 job id */
export const topErrors = statement(
  'top_errors',
  `SELECT error_class, count(*) AS n, max(last_error) AS example
   FROM ferry.items WHERE job_id = $1 AND state = ${FAILED}
   GROUP BY error_class ORDER BY n DESC LIMIT 5`,
);
