// Leases after the claim: heartbeats, hand-backs, and when the claim loop should look again.
// All measured by the database's clock unless a caller passes its own `now`.

import { CLAIMABLE_AT, DB_NOW_MS, nowOr } from './clock.ts';
import { statement } from './statement.ts';
import { UNFINISHED } from './states.ts';

/** $1 job id, $2 owner, $3 lease ms, $4 now (null: the database's clock) */
export const renewLeases = statement(
  'renew_leases',
  `UPDATE ferry.items SET lease_until = ${nowOr('$4')} + $3::bigint WHERE job_id = $1 AND lease_owner = $2`,
);

/** $1 job id, $2 owner */
export const releaseLeases = statement('release_leases', 'UPDATE ferry.items SET lease_owner = NULL, lease_until = NULL WHERE job_id = $1 AND lease_owner = $2');

/** $1 job id. Only for a caller that holds the job's run lock (LedgerPolicies). */
export const releaseAllLeases = statement('release_all_leases', 'UPDATE ferry.items SET lease_owner = NULL, lease_until = NULL WHERE job_id = $1 AND lease_owner IS NOT NULL');

/**
 * $1 job id. When the earliest unfinished item may next be claimed, never before now; null when
 * the job has no unfinished item. The front of the claim index.
 */
export const nextWakeAt = statement(
  'next_wake_at',
  `SELECT CASE WHEN at IS NULL THEN NULL ELSE GREATEST(at, ${DB_NOW_MS}) END AS at
   FROM (SELECT min(${CLAIMABLE_AT}) AS at FROM ferry.items WHERE job_id = $1 AND ${UNFINISHED}) AS earliest`,
);

/** $1 job id, $2 keys: these unfinished, unleased items may be claimed now (a webhook said their wait is over). */
export const expedite = statement(
  'expedite',
  `UPDATE ferry.items SET not_before = 0
   WHERE job_id = $1 AND key = ANY ($2::text[]) AND ${UNFINISHED} AND lease_owner IS NULL AND not_before > 0`,
);
