// The fleet of a PostgreSQL ledger: its own small pool beside the ledger's (a token rotation or
// an exclusive section holds a connection for the length of a platform call, and must not starve
// the claims and transitions of the ledger's pool).

import type pg from 'pg';
import { migrateSchema } from '../../ledger/postgres/migrate.ts';
import { createPool, maskedUrl } from '../../ledger/postgres/pool.ts';
import { unfinishedJobs } from '../../ledger/postgres/sql/jobs.ts';
import type { JobDefinition, JobEntry } from '../../ledger/types.ts';
import type { RequestBudget } from '../../targets/requestBudget.ts';
import type { SharedDocument } from '../../targets/fleet.ts';
import type { LedgerFleet } from '../fleet.ts';
import { PostgresRequestBudget } from './budget.ts';
import { PostgresSharedDocument } from './document.ts';
import { exclusive } from './exclusive.ts';
import { fleetOverview, type JobOverview } from './overview.ts';

const FLEET_POOL_SIZE = 4;

export function openPostgresFleet(url: string): LedgerFleet {
  return new PostgresFleet(url);
}

class PostgresFleet implements LedgerFleet {
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #budgets = new Map<string, PostgresRequestBudget>();
  #closed = false;

  constructor(url: string) {
    this.location = maskedUrl(url);
    this.#pool = createPool(url, { poolSize: FLEET_POOL_SIZE, durability: 'normal' });
  }

  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await migrateSchema(client, this.location);
    } finally {
      client.release();
    }
  }

  requestBudget(key: string, requestsPerSecond: number): RequestBudget {
    let budget = this.#budgets.get(key);
    if (!budget) this.#budgets.set(key, (budget = new PostgresRequestBudget(this.#pool, key, requestsPerSecond)));
    return budget;
  }

  exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    return exclusive(this.#pool, key, work);
  }

  document(key: string): SharedDocument {
    return new PostgresSharedDocument(this.#pool, key, this.location);
  }

  async pauseAll(ms: number): Promise<void> {
    await Promise.all([...this.#budgets.values()].map((budget) => budget.pause(ms)));
  }

  async unfinishedJobs(): Promise<JobEntry[]> {
    const { rows } = await this.#pool.query<{ name: string; created_at: number; definition: JobDefinition | null }>({ name: unfinishedJobs.name, text: unfinishedJobs.text });
    return rows.map((row) => ({ name: row.name, createdAt: row.created_at, definition: row.definition }));
  }

  overview(): Promise<JobOverview[]> {
    return fleetOverview(this.#pool);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
