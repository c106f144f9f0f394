// The jobs of a shared ledger: every item row is keyed by its job's id.

import { DB_NOW_MS } from './clock.ts';
import { statement } from './statement.ts';
import { UNFINISHED } from './states.ts';

/**
 * $1 name. The job's id, registering the job if it is new. DO UPDATE rather than DO NOTHING so
 * that the row comes back even when another worker registered it a moment before.
 */
export const ensureJob = statement(
  'ensure_job',
  `INSERT INTO ferry.jobs (name, created_at) VALUES ($1, ${DB_NOW_MS})
   ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
   RETURNING id`,
);

/** $1 name */
export const findJob = statement('find_job', 'SELECT id FROM ferry.jobs WHERE name = $1');

/** $1 job id, $2 definition (JSON text) */
export const registerJob = statement('register_job', `UPDATE ferry.jobs SET definition = $2::jsonb, definition_updated_at = ${DB_NOW_MS} WHERE id = $1`);

/** $1 job id */
export const jobDefinition = statement('job_definition', 'SELECT definition FROM ferry.jobs WHERE id = $1');

/** Jobs with an unfinished item: one probe of each job's claim index. */
export const unfinishedJobs = statement(
  'unfinished_jobs',
  `SELECT name, created_at, definition FROM ferry.jobs AS jobs
   WHERE EXISTS (SELECT 1 FROM ferry.items WHERE items.job_id = jobs.id AND ${UNFINISHED})
   ORDER BY created_at, name`,
);
