// Planning a batch of manifest entries in one statement (PostgreSQL's counterpart of the SQLite
// planner, with the same decisions; the conformance suite holds both to them). The batch
// arrives as column arrays and is unnested in manifest order:
//   1. each key's first sighting in the batch is planned; later sightings are duplicates;
//   2. the first sightings' existing rows are locked (FOR UPDATE), so a worker's transition
//      cannot slip between the decision and the write: it waits for the plan's commit;
//   3. one decision per key, in the same order of tests as the SQLite planner;
//   4. the writes, one statement each (their rows never overlap): insert new keys, reset
//      changed items, record rejected rows, stamp the rest with the generation;
//   5. counts per decision and the duplicate sightings in manifest order come back as JSON.
// The caller holds the job's plan lock (locks.ts), so no other planner inserts the same keys.

import { NOT_STARTED_STATES, REJECTED, RESETTABLE_STATES, UPLOADED_STATES } from '../../planRules.ts';
import { sqlStates } from '../../sqlStates.ts';
import { DB_NOW_MS } from './clock.ts';
import { statement } from './statement.ts';
import { FAILED, PENDING } from './states.ts';

/** What the planner decided for a key's first sighting in a batch. */
export const PlanAction = {
  /** A new key: a pending item. */
  add: 'add',
  /** Seen before in this plan generation. */
  duplicate: 'duplicate',
  /** A rejected row: a failed item with its reason (new, or replacing one not started). */
  reject: 'reject',
  /** A rejected row whose item is finished or in flight: it stays as it is. */
  keepRejected: 'keep_rejected',
  /** Changed (or corrected after a rejection): back to pending, remote ids cleared. */
  reset: 'reset',
  unchanged: 'unchanged',
  /** Changed, but the policy (or an upload in flight) keeps it as it is. */
  keepChanged: 'keep_changed',
} as const;
export type PlanAction = (typeof PlanAction)[keyof typeof PlanAction];

/** $1 job id */
export const beginPlan = statement('begin_plan', `INSERT INTO ferry.plan_runs (job_id, started_at) VALUES ($1, ${DB_NOW_MS}) RETURNING generation`);

const A = PlanAction;
const NOW = DB_NOW_MS;

/**
 * $1 job id, $2 generation, $3 reupload (boolean: the change policy), then the entries as
 * arrays in manifest order: $4 keys, $5 sources, $6 fields (JSON text), $7 sizes, $8 mtimes,
 * $9 origins, $10 reasons (null for an item, the reason for a rejected row).
 * Returns one row: counts (JSON object of action → count) and duplicates (JSON [key, origin][]).
 */
export const planBatch = statement(
  'plan_batch',
  `WITH batch AS (
     SELECT entry.*, row_number() OVER (PARTITION BY entry.key ORDER BY entry.ord) AS sighting
     FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[])
          WITH ORDINALITY AS entry (key, source, fields, size, mtime_ms, origin, reason, ord)
   ),
   existing AS (
     SELECT items.key, items.state, items.source, items.fields, items.size, items.mtime_ms, items.error_class, items.plan_generation
     FROM ferry.items AS items JOIN batch ON batch.sighting = 1 AND items.key = batch.key
     WHERE items.job_id = $1
     FOR UPDATE OF items
   ),
   decided AS (
     SELECT batch.key, batch.source, batch.fields, batch.size, batch.mtime_ms, batch.origin, batch.reason, batch.ord,
       existing.key IS NOT NULL AS known,
       CASE
         WHEN existing.key IS NULL THEN CASE WHEN batch.reason IS NULL THEN '${A.add}' ELSE '${A.reject}' END
         WHEN existing.plan_generation = $2 THEN '${A.duplicate}'
         WHEN batch.reason IS NOT NULL THEN
           CASE WHEN existing.state IN (${sqlStates(NOT_STARTED_STATES)}) THEN '${A.reject}' ELSE '${A.keepRejected}' END
         -- A row rejected before never reached the platform: its corrected version always replaces it.
         WHEN existing.error_class = '${REJECTED}' THEN '${A.reset}'
         WHEN existing.source = batch.source AND existing.fields = batch.fields
           AND existing.size IS NOT DISTINCT FROM batch.size AND existing.mtime_ms IS NOT DISTINCT FROM batch.mtime_ms THEN '${A.unchanged}'
         WHEN $3::boolean AND existing.state IN (${sqlStates(RESETTABLE_STATES)}) THEN '${A.reset}'
         -- ignore policy, or an upload in flight: it finishes with what it started with; with
         -- reupload the next plan sees the change again once it has settled.
         ELSE '${A.keepChanged}'
       END AS action
     FROM batch LEFT JOIN existing ON existing.key = batch.key
     WHERE batch.sighting = 1
   ),
   inserted AS (
     INSERT INTO ferry.items (job_id, key, source, fields, size, mtime_ms, origin, state, last_error, error_class, created_at, updated_at, finished_at, plan_generation)
     SELECT $1, key, source, fields, size, mtime_ms, origin,
       CASE WHEN reason IS NULL THEN ${PENDING} ELSE ${FAILED} END,
       reason,
       CASE WHEN reason IS NULL THEN NULL ELSE '${REJECTED}' END,
       ${NOW}, ${NOW},
       CASE WHEN reason IS NULL THEN NULL ELSE ${NOW} END,
       $2
     FROM decided WHERE NOT known AND action IN ('${A.add}', '${A.reject}')
     RETURNING 1
   ),
   reset AS (
     UPDATE ferry.items AS items SET source = decided.source, fields = decided.fields, size = decided.size, mtime_ms = decided.mtime_ms,
       origin = decided.origin, state = ${PENDING}, remote = '{}', attempts = 0, not_before = 0, last_error = NULL, error_class = NULL,
       bytes = NULL, started_at = NULL, finished_at = NULL, updated_at = ${NOW}, plan_generation = $2,
       revision = CASE WHEN items.state IN (${sqlStates(UPLOADED_STATES)}) THEN items.revision + 1 ELSE items.revision END
     FROM decided
     WHERE decided.action = '${A.reset}' AND items.job_id = $1 AND items.key = decided.key
     RETURNING 1
   ),
   rejected AS (
     UPDATE ferry.items AS items SET state = ${FAILED}, last_error = decided.reason, error_class = '${REJECTED}', source = '', fields = '{}',
       origin = decided.origin, updated_at = ${NOW}, finished_at = ${NOW}, plan_generation = $2
     FROM decided
     WHERE decided.known AND decided.action = '${A.reject}' AND items.job_id = $1 AND items.key = decided.key
     RETURNING 1
   ),
   stamped AS (
     UPDATE ferry.items AS items SET plan_generation = $2
     FROM decided
     WHERE decided.action IN ('${A.unchanged}', '${A.keepChanged}', '${A.keepRejected}') AND items.job_id = $1 AND items.key = decided.key
     RETURNING 1
   )
   SELECT
     (SELECT COALESCE(json_object_agg(action, n), '{}') FROM (SELECT action, count(*) AS n FROM decided GROUP BY action) AS tally) AS counts,
     (SELECT COALESCE(json_agg(json_build_array(key, origin) ORDER BY ord), '[]')
      FROM (SELECT key, origin, ord FROM batch WHERE sighting > 1
            UNION ALL
            SELECT key, origin, ord FROM decided WHERE action = '${A.duplicate}') AS repeats) AS duplicates`,
);
