// The shared ledger: PostgreSQL, for many workers on many machines and many jobs in one
// database. Workers coordinate only through it: claims with FOR UPDATE SKIP LOCKED, leases
// measured by the database's clock and renewed by heartbeats, any worker reclaiming an expired
// lease. There is no run lock and nothing frees other workers' leases at start (policies).
// Every statement is job-scoped; the SQL lives in sql/, one builder per purpose.

import type pg from 'pg';
import { LedgerNotFoundError, LedgerUnavailableError } from '../errors.ts';
import { topErrorGroups, type ErrorTally } from '../errorGroups.ts';
import type { PlanBatch } from '../planBatch.ts';
import {
  ITEM_STATES,
  ItemState,
  LeaseLostError,
  type ChangePolicy,
  type ItemFilter,
  type ItemPatch,
  type ItemRecord,
  type JobDefinition,
  type JobEntry,
  type LedgerDurability,
  type LedgerPolicies,
  type LedgerStats,
  type LedgerStore,
  type PlanBatchResult,
} from '../types.ts';
import { migrateSchema, schemaVersion } from './migrate.ts';
import { planBatchInto } from './plan.ts';
import { createPool, DEFAULT_POOL_SIZE, maskedUrl } from './pool.ts';
import { toRecord, type PgItemRow } from './rows.ts';
import { claimItems } from './sql/claim.ts';
import { countWithSourceName, getItem, itemsPage, itemsPageInStates, retryFailed, withdrawUnseen } from './sql/items.ts';
import { ensureJob, findJob, jobDefinition, registerJob, unfinishedJobs } from './sql/jobs.ts';
import { expedite, nextWakeAt, releaseAllLeases, releaseLeases, renewLeases } from './sql/leases.ts';
import { beginPlan } from './sql/plan.ts';
import type { Statement } from './sql/statement.ts';
import { countsByState, errorTallies, recentlyFinished } from './sql/stats.ts';
import { analyzeItems, statisticsStale } from './sql/statistics.ts';
import { amendStatement, transitionStatement } from './sql/transition.ts';

const PAGE = 1_000;

export interface PostgresLedgerOptions {
  job: string;
  durability?: LedgerDurability;
  /** Connections this process may open (default 4). */
  poolSize?: number;
  /** false: open only a ledger that already holds the job (read-side verbs). Default true. */
  create?: boolean;
}

export function openPostgresLedger(url: string, options: PostgresLedgerOptions): LedgerStore {
  return new PostgresLedger(url, options);
}

type Value = string | number | boolean | null | readonly (string | number | null)[];

class PostgresLedger implements LedgerStore {
  readonly job: string;
  readonly location: string;
  readonly policies: LedgerPolicies = { runLockFile: undefined, reclaimLeasesAtStart: false, leaseClock: 'database' };
  readonly #pool: pg.Pool;
  readonly #create: boolean;
  #jobId: number | undefined;
  #closed = false;

  constructor(url: string, options: PostgresLedgerOptions) {
    this.job = options.job;
    this.location = maskedUrl(url);
    this.#create = options.create ?? true;
    this.#pool = createPool(url, { poolSize: options.poolSize ?? DEFAULT_POOL_SIZE, durability: options.durability ?? 'normal' });
  }

  async #query<Row extends pg.QueryResultRow>(sql: Statement, values: Value[]): Promise<pg.QueryResult<Row>> {
    return this.#pool.query<Row>({ name: sql.name, text: sql.text, values: values as unknown[] });
  }

  get #id(): number {
    if (this.#jobId === undefined) throw new Error(`ledger ${this.location}: migrate() must be called before the ledger is used`);
    return this.#jobId;
  }

  async migrate(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new LedgerUnavailableError(this.location, (error as Error).message, { cause: error });
    }
    try {
      // A read-side verb must not install ferry's schema into whatever database it was pointed at.
      if (!this.#create && (await schemaVersion(client)) === 0) throw new LedgerNotFoundError(this.location, this.job);
      await migrateSchema(client, this.location);
      const job = await client.query<{ id: number }>({ ...(this.#create ? ensureJob : findJob), values: [this.job] });
      if (job.rows.length === 0) throw new LedgerNotFoundError(this.location, this.job);
      this.#jobId = job.rows[0]!.id;
    } finally {
      client.release();
    }
  }

  async registerJob(definition: JobDefinition): Promise<void> {
    await this.#query(registerJob, [this.#id, JSON.stringify(definition)]);
  }

  async jobDefinition(): Promise<JobDefinition | undefined> {
    const result = await this.#query<{ definition: JobDefinition | null }>(jobDefinition, [this.#id]);
    return result.rows[0]?.definition ?? undefined;
  }

  async listUnfinishedJobs(): Promise<JobEntry[]> {
    const result = await this.#query<{ name: string; created_at: number; definition: JobDefinition | null }>(unfinishedJobs, []);
    return result.rows.map((row) => ({ name: row.name, createdAt: row.created_at, definition: row.definition }));
  }

  async withdrawUnseen(generation: number): Promise<number> {
    return (await this.#query(withdrawUnseen, [this.#id, generation])).rowCount ?? 0;
  }

  async beginPlan(): Promise<number> {
    if ((await this.#query<{ stale: boolean }>(statisticsStale, [])).rows[0]!.stale) await this.#pool.query(analyzeItems);
    const result = await this.#query<{ generation: number }>(beginPlan, [this.#id]);
    return result.rows[0]!.generation;
  }

  async upsertPlanned(generation: number, batch: PlanBatch, policy: ChangePolicy): Promise<PlanBatchResult> {
    const client = await this.#pool.connect();
    try {
      return await planBatchInto(client, this.#id, generation, batch, policy);
    } finally {
      client.release();
    }
  }

  async claim(owner: string, limit: number, leaseMs: number, now?: number): Promise<ItemRecord[]> {
    const result = await this.#query<PgItemRow>(claimItems, [this.#id, owner, limit, leaseMs, now ?? null]);
    return result.rows.map(toRecord);
  }

  async transition(key: string, owner: string, patch: ItemPatch): Promise<ItemRecord> {
    const { statement, values } = transitionStatement(patch);
    const result = await this.#query<PgItemRow>(statement, [this.#id, key, owner, ...values]);
    const row = result.rows[0];
    if (!row) throw new LeaseLostError(key, owner);
    return toRecord(row);
  }

  async renewLeases(owner: string, leaseMs: number, now?: number): Promise<number> {
    return (await this.#query(renewLeases, [this.#id, owner, leaseMs, now ?? null])).rowCount ?? 0;
  }

  async releaseLeases(owner: string): Promise<void> {
    await this.#query(releaseLeases, [this.#id, owner]);
  }

  async releaseAllLeases(): Promise<number> {
    return (await this.#query(releaseAllLeases, [this.#id])).rowCount ?? 0;
  }

  async expedite(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return (await this.#query(expedite, [this.#id, keys])).rowCount ?? 0;
  }

  async nextWakeAt(): Promise<number | null> {
    return (await this.#query<{ at: number | null }>(nextWakeAt, [this.#id])).rows[0]!.at;
  }

  async get(key: string): Promise<ItemRecord | undefined> {
    const row = (await this.#query<PgItemRow>(getItem, [this.#id, key])).rows[0];
    return row ? toRecord(row) : undefined;
  }

  async stats(windowMs = 60_000, now?: number): Promise<LedgerStats> {
    const [byState, recent, errors] = await Promise.all([
      this.#query<{ state: ItemState; n: number; bytes: number }>(countsByState, [this.#id]),
      this.#query<{ n: number }>(recentlyFinished, [this.#id, windowMs, now ?? null]),
      this.#query<ErrorTally>(errorTallies, [this.#id]),
    ]);
    const counts = Object.fromEntries(ITEM_STATES.map((state) => [state, 0])) as Record<ItemState, number>;
    let total = 0;
    let bytesDone = 0;
    for (const row of byState.rows) {
      counts[row.state] = row.n;
      total += row.n;
      if (row.state === ItemState.done) bytesDone = row.bytes;
    }
    return {
      counts,
      total,
      recentlyFinished: recent.rows[0]!.n,
      windowMs,
      topErrors: topErrorGroups(errors.rows),
      bytesDone,
    };
  }

  async *iterate(filter: ItemFilter = {}): AsyncIterable<ItemRecord> {
    const states = filter.states ?? [];
    let after = '';
    for (;;) {
      const page = states.length > 0 ? await this.#query<PgItemRow>(itemsPageInStates, [this.#id, after, PAGE, states]) : await this.#query<PgItemRow>(itemsPage, [this.#id, after, PAGE]);
      for (const row of page.rows) yield toRecord(row);
      if (page.rows.length < PAGE) return;
      after = page.rows.at(-1)!.key;
    }
  }

  async countWithSourceName(fileName: string, exceptKey: string): Promise<number> {
    // A URL names the file percent-encoded.
    const names = [...new Set([fileName, encodeURIComponent(fileName)])].map(likeEscape);
    const patterns = names.flatMap((name) => [`%/${name}`, `%/${name}?%`]);
    return (await this.#query<{ n: number }>(countWithSourceName, [this.#id, exceptKey, fileName, patterns])).rows[0]!.n;
  }

  async amend(key: string, patch: ItemPatch): Promise<ItemRecord | undefined> {
    const { statement, values } = amendStatement(patch);
    const row = (await this.#query<PgItemRow>(statement, [this.#id, key, ...values])).rows[0];
    if (row) return toRecord(row);
    if (await this.get(key)) throw new LeaseLostError(key, '(a live worker holds it)');
    return undefined;
  }

  async retryFailed(): Promise<number> {
    return (await this.#query(retryFailed, [this.#id])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/** A LIKE pattern that matches `text` literally (backslash is PostgreSQL's default LIKE escape). */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
