// The whole fleet at a glance, for `ferry status --store <url>` without a job: every job of the
// ledger with its counts per state, the workers holding live leases on it (by the database's
// clock) and how many items finished in the last minute.

import type pg from 'pg';
import { DB_NOW_MS } from '../../ledger/postgres/sql/clock.ts';
import type { ItemState } from '../../ledger/types.ts';

export interface JobOverview {
  job: string;
  counts: Partial<Record<ItemState, number>>;
  total: number;
  /** Workers (host:pid:start) holding a live lease on an item of the job. */
  workers: string[];
  finishedLastMinute: number;
}

export async function fleetOverview(pool: pg.Pool): Promise<JobOverview[]> {
  const [counts, leases, recent] = await Promise.all([
    pool.query<{ job: string; state: ItemState; n: number }>('SELECT j.name AS job, i.state, count(*)::int AS n FROM ferry.jobs j JOIN ferry.items i ON i.job_id = j.id GROUP BY j.name, i.state'),
    pool.query<{ job: string; workers: string[] }>(
      `SELECT j.name AS job, array_agg(DISTINCT i.lease_owner ORDER BY i.lease_owner) AS workers FROM ferry.items i JOIN ferry.jobs j ON j.id = i.job_id
       WHERE i.lease_owner IS NOT NULL AND i.lease_until > ${DB_NOW_MS} GROUP BY j.name`,
    ),
    pool.query<{ job: string; n: number }>(`SELECT j.name AS job, count(*)::int AS n FROM ferry.items i JOIN ferry.jobs j ON j.id = i.job_id WHERE i.finished_at > ${DB_NOW_MS} - 60000 GROUP BY j.name`),
  ]);
  const jobs = new Map<string, JobOverview>();
  const of = (job: string): JobOverview => {
    let entry = jobs.get(job);
    if (!entry) jobs.set(job, (entry = { job, counts: {}, total: 0, workers: [], finishedLastMinute: 0 }));
    return entry;
  };
  for (const row of counts.rows) {
    const entry = of(row.job);
    entry.counts[row.state] = row.n;
    entry.total += row.n;
  }
  for (const row of leases.rows) of(row.job).workers = row.workers;
  for (const row of recent.rows) of(row.job).finishedLastMinute = row.n;
  return [...jobs.values()].sort((a, b) => a.job.localeCompare(b.job));
}
