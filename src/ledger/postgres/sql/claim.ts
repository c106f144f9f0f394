// Claiming: one statement picks a job's claimable items in index order, skips rows another
// worker is locking at this instant (FOR UPDATE SKIP LOCKED: concurrent claimers never wait on
// each other and never get the same item), leases them and returns them.
//   $1 job id, $2 owner, $3 limit, $4 lease ms, $5 now (null: the database's clock)

import { CLAIMABLE_AT, nowOr } from './clock.ts';
import { statement } from './statement.ts';
import { UNFINISHED } from './states.ts';

const NOW = nowOr('$5');

export const claimItems = statement(
  'claim_items',
  `WITH picked AS (
     SELECT key FROM ferry.items
     WHERE job_id = $1 AND ${UNFINISHED}
       AND ${CLAIMABLE_AT} <= ${NOW}
       -- CLAIMABLE_AT's range says as much; stated exactly as the SQLite ledger's claim, for lease ends to the millisecond.
       AND not_before <= ${NOW} AND (lease_owner IS NULL OR lease_until < ${NOW})
     ORDER BY ${CLAIMABLE_AT}
     LIMIT $3
     FOR UPDATE SKIP LOCKED
   )
   UPDATE ferry.items AS items SET lease_owner = $2, lease_until = ${NOW} + $4::bigint, updated_at = ${NOW}
   FROM picked
   WHERE items.job_id = $1 AND items.key = picked.key
   RETURNING items.*`,
);
