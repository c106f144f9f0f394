// The fleet of a PostgreSQL ledger: its own small pools beside the ledger's. A token rotation or
// an exclusive section holds a connection for the length of a platform call, and every platform
// call takes from the request budget: so budgets have a pool of their own (a section waiting on
// the budget must never wait for its own connection), and sections are capped below the size of
// theirs, leaving a connection for a token rotation nested inside one.

import PQueue from 'p-queue';
import type pg from 'pg';
import { LedgerUnavailableError } from '../../ledger/errors.ts';
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

/** Connections for exclusive sections and shared documents; at most SECTIONS_AT_ONCE sections hold one. */
const SECTION_POOL_SIZE = 4;
const SECTIONS_AT_ONCE = SECTION_POOL_SIZE - 1;
/** Connections for request budgets and pause checks: one round trip per key at a time. */
const BUDGET_POOL_SIZE = 2;

export function openPostgresFleet(url: string): LedgerFleet {
  return new PostgresFleet(url);
}

class PostgresFleet implements LedgerFleet {
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #budgetPool: pg.Pool;
  /** Sections of this process queue here, not in the pool (whose wait times out). */
  readonly #sections = new PQueue({ concurrency: SECTIONS_AT_ONCE });
  readonly #budgets = new Map<string, PostgresRequestBudget>();
  #closed = false;

  constructor(url: string) {
    this.location = maskedUrl(url);
    this.#pool = createPool(url, { poolSize: SECTION_POOL_SIZE, durability: 'normal' });
    this.#budgetPool = createPool(url, { poolSize: BUDGET_POOL_SIZE, durability: 'normal' });
  }

  /** A connection, or the ledger's own message and exit code: an unreachable server is bad input, not a defect. */
  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw new LedgerUnavailableError(this.location, (error as Error).message, { cause: error });
    }
  }

  async migrate(): Promise<void> {
    const client = await this.#connect();
    try {
      await migrateSchema(client, this.location);
    } finally {
      client.release();
    }
  }

  requestBudget(key: string, requestsPerSecond: number): RequestBudget {
    let budget = this.#budgets.get(key);
    if (!budget) this.#budgets.set(key, (budget = new PostgresRequestBudget(this.#budgetPool, key, requestsPerSecond)));
    return budget;
  }

  exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.#sections.add(() => exclusive(this.#pool, key, work));
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

  async overview(): Promise<JobOverview[]> {
    (await this.#connect()).release();
    return fleetOverview(this.#pool);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#pool.end(), this.#budgetPool.end()]);
  }
}
