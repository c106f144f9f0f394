// Planning a batch of manifest entries: PostgreSQL's counterpart of the SQLite planner, with the
// same decisions (the conformance suite holds them to it). Per batch, in one transaction that
// holds the job's plan lock (planTransaction), slice by slice (../plan.ts):
//   1. planDecide: each key's first sighting in the batch (planColumns.ts) is looked up by its
//      primary key and decided, in the same order of tests as the SQLite planner; in the same
//      statement new keys are inserted and the rows found unchanged (or kept) are stamped with
//      the generation, by the row versions just read (ctid: no second lookup); one letter per
//      key comes back (PlanAction), and any row a worker updated meanwhile, for a stamp by key;
//   2. the rarer writes, each with its keys as an array parameter: reset changed items
//      (planReset), record rejected rows (planReject), stamp by key what is left (planStamp).
// A first plan and a nightly re-plan are one statement per slice. Nothing here joins the batch
// to the table for the planner to cost: a batch is a few thousand keys in a table that may hold
// millions, and with statistics that lag behind a growing table a join can be planned as a
// scan of the whole table per batch (a quadratic plan).
//
// Workers may transition items meanwhile. Content, plan generation and the 'rejected' mark are
// only ever written by planners; the two writes that depend on a state a worker can change
// (reset, reject) repeat that test in their WHERE clause, which PostgreSQL re-evaluates on the
// row's latest version after waiting for the worker's commit. An item that went in flight in
// between is not reset but stamped, as the SQLite planner (serialised with the worker) would
// have found it. Locking every row up front (FOR UPDATE) would do the same, at the cost of
// writing each row twice.

import { NOT_STARTED_STATES, REJECTED, RESETTABLE_STATES, UPLOADED_STATES } from '../../planRules.ts';
import { ItemState } from '../../types.ts';
import { sqlStates } from '../../sqlStates.ts';
import { PLAN_LOCK_SPACE } from '../locks.ts';
import { DB_NOW_MS } from './clock.ts';
import { statement } from './statement.ts';
import { FAILED, PENDING } from './states.ts';

/** What the planner decided for a key's first sighting in a batch: one letter each. */
export const PlanAction = {
  /** A new key: inserted as a pending item. */
  add: 'a',
  /** A rejected row for a new key: inserted as a failed item with its reason. */
  rejectNew: 'R',
  /** Seen before in this plan generation. */
  duplicate: 'd',
  /** A rejected row replacing an item not started: failed with its reason. */
  reject: 'r',
  /** A rejected row whose item is finished or in flight: it stays as it is. */
  keepRejected: 'k',
  /** Changed (or corrected after a rejection): back to pending, remote ids cleared. */
  reset: 's',
  /** A withdrawn item whose row is back: pending again, with the row's content. */
  returned: 'w',
  unchanged: 'u',
  /** Changed, but the policy (or an upload in flight) keeps it as it is. */
  keepChanged: 'c',
} as const;
export type PlanAction = (typeof PlanAction)[keyof typeof PlanAction];

const A = PlanAction;
const NOW = DB_NOW_MS;

/**
 * Opens a batch's transaction, in one round trip (the job id is a number, safe as text):
 *  - one planner per job at a time, batch by batch: two runs planning the same job at once (two
 *    machines' cron) cannot both insert a key or decide on each other's half-written batch;
 *  - a key is always found through the primary key: on a growing table whose statistics lag,
 *    the planner may otherwise scan the table once per key.
 */
export function planTransaction(jobId: number): string {
  if (!Number.isSafeInteger(jobId)) throw new Error(`planTransaction: bad job id ${jobId}`);
  return `BEGIN; SET LOCAL enable_seqscan = off; SELECT pg_advisory_xact_lock(${PLAN_LOCK_SPACE}, ${jobId});`;
}

/** $1 job id */
export const beginPlan = statement('begin_plan', `INSERT INTO ferry.plan_runs (job_id, started_at) VALUES ($1, ${NOW}) RETURNING generation`);

/** The decisions that leave an item as it is, stamped with the generation. */
const STAMPED = `'${A.unchanged}', '${A.keepChanged}', '${A.keepRejected}'`;

/**
 * $1 job id, $2 generation, $3 reupload (boolean: the change policy), then the entries as
 * arrays, each key once: $4 keys, $5 sources, $6 fields (JSON text), $7 sizes, $8 mtimes,
 * $9 origins, $10 reasons (null for an item, the reason for a rejected row).
 * Returns `actions`: one PlanAction letter per key, in the arrays' order; `unstamped`: the
 * 0-based indexes of keys to stamp that a worker updated after they were read (their row
 * version moved on), to be stamped by key.
 */
export const planDecide = statement(
  'plan_decide',
  `WITH decided AS (
     SELECT batch.*, existing.tid,
       CASE
         WHEN existing.key IS NULL THEN CASE WHEN batch.reason IS NULL THEN '${A.add}' ELSE '${A.rejectNew}' END
         WHEN existing.plan_generation = $2 THEN '${A.duplicate}'
         WHEN batch.reason IS NOT NULL THEN
           CASE WHEN existing.state IN (${sqlStates(NOT_STARTED_STATES)}) THEN '${A.reject}' ELSE '${A.keepRejected}' END
         -- A row rejected before never reached the platform: its corrected version always replaces it.
         WHEN existing.error_class = '${REJECTED}' THEN '${A.reset}'
         WHEN existing.state = '${ItemState.withdrawn}' THEN '${A.returned}'
         WHEN existing.source = batch.source AND existing.fields = batch.fields
           AND existing.size IS NOT DISTINCT FROM batch.size AND existing.mtime_ms IS NOT DISTINCT FROM batch.mtime_ms THEN '${A.unchanged}'
         WHEN $3::boolean AND existing.state IN (${sqlStates(RESETTABLE_STATES)}) THEN '${A.reset}'
         -- ignore policy, or an upload in flight: it finishes with what it started with; with
         -- reupload the next plan sees the change again once it has settled.
         ELSE '${A.keepChanged}'
       END AS action
     FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[])
            WITH ORDINALITY AS batch (key, source, fields, size, mtime_ms, origin, reason, ord)
       LEFT JOIN LATERAL (
         -- One primary-key probe per key (LIMIT 1 keeps it a probe: a key is unique in its job).
         SELECT items.ctid AS tid, items.key, items.state, items.source, items.fields, items.size, items.mtime_ms, items.error_class, items.plan_generation
         FROM ferry.items AS items WHERE items.job_id = $1 AND items.key = batch.key LIMIT 1
       ) AS existing ON true
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
     FROM decided WHERE action IN ('${A.add}', '${A.rejectNew}')
     RETURNING 1
   ),
   stamped AS (
     -- Each stamp records the row's latest line, so a later repeat can name the row that stands.
     UPDATE ferry.items AS items SET plan_generation = $2, origin = kept.origin
     FROM (SELECT tid, origin FROM decided WHERE action IN (${STAMPED})) AS kept
     WHERE items.ctid = ANY (ARRAY(SELECT tid FROM decided WHERE action IN (${STAMPED}))) AND items.ctid = kept.tid AND items.job_id = $1
     RETURNING items.key
   )
   SELECT
     (SELECT string_agg(action, '' ORDER BY ord) FROM decided) AS actions,
     ARRAY(SELECT (ord - 1)::integer FROM decided WHERE action IN (${STAMPED}) AND key NOT IN (SELECT key FROM stamped)) AS unstamped`,
);

/** $1 job id, $2 generation, $3 keys, $4 origins: seen in this plan (at these lines), left as they are. */
export const planStamp = statement(
  'plan_stamp',
  `UPDATE ferry.items AS items SET plan_generation = $2, origin = entry.origin
   FROM unnest($3::text[], $4::text[]) AS entry (key, origin)
   WHERE items.job_id = $1 AND items.key = ANY ($3::text[]) AND items.key = entry.key`,
);

/**
 * $1 job id, $2 generation, $3 keys, $4 sources, $5 fields, $6 sizes, $7 mtimes, $8 origins.
 * Back to pending with the new content and no remote ids; a new revision if it had reached the
 * platform. Returns the keys reset: the others went in flight meanwhile (stamp them instead).
 */
export const planReset = statement(
  'plan_reset',
  `UPDATE ferry.items AS items SET source = entry.source, fields = entry.fields, size = entry.size, mtime_ms = entry.mtime_ms,
     origin = entry.origin, state = ${PENDING}, remote = '{}', attempts = 0, not_before = 0, last_error = NULL, error_class = NULL,
     bytes = NULL, started_at = NULL, finished_at = NULL, updated_at = ${NOW}, plan_generation = $2,
     revision = CASE WHEN items.state IN (${sqlStates(UPLOADED_STATES)}) THEN items.revision + 1 ELSE items.revision END
   FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[]) AS entry (key, source, fields, size, mtime_ms, origin)
   WHERE items.job_id = $1 AND items.key = ANY ($3::text[]) AND items.key = entry.key
     AND (items.error_class = '${REJECTED}' OR items.state IN (${sqlStates(RESETTABLE_STATES)}))
   RETURNING items.key`,
);

/**
 * $1 job id, $2 generation, $3 keys, $4 sources (as written), $5 origins, $6 reasons. A rejected
 * row replaces an item not started, keeping its source for the report. Returns the keys
 * recorded: the others went in flight meanwhile (stamp them instead).
 */
export const planReject = statement(
  'plan_reject',
  `UPDATE ferry.items AS items SET state = ${FAILED}, last_error = entry.reason, error_class = '${REJECTED}', source = entry.source, fields = '{}',
     origin = entry.origin, updated_at = ${NOW}, finished_at = ${NOW}, plan_generation = $2
   FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS entry (key, source, origin, reason)
   WHERE items.job_id = $1 AND items.key = ANY ($3::text[]) AND items.key = entry.key
     AND items.state IN (${sqlStates(NOT_STARTED_STATES)})
   RETURNING items.key`,
);

/** $1 job id, $2 keys: the rows that stand for keys seen again, to name how a repeat differs (duplicates.ts). */
export const planStanding = statement(
  'plan_standing',
  'SELECT key, source, fields, size, mtime_ms, origin, error_class FROM ferry.items WHERE job_id = $1 AND key = ANY ($2::text[])',
);
