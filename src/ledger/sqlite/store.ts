// The default ledger: one SQLite file per job, through node:sqlite (no native addon).
//
// Durability: WAL. With `normal` (the default) a transition that returned is in the WAL before
// the next external call, so it survives any crash or kill of ferry; only an OS crash or power
// cut can lose the last moments, and the platform-side lookups (reference ids, orphan adoption)
// keep even that from making duplicates. `full` fsyncs every transition and also survives power
// loss, at about half the per-item throughput (each fsync blocks the event loop). busy_timeout
// lets `ferry status` read from another shell while a run writes.
//
// One machine, one run: the run lock file beside the ledger makes runs exclusive, so leases are
// measured by this process's clock and a starting run may free every lease it finds.
//
// Transitions are group-committed (groupCommit.ts): those asked for in one turn of the event
// loop share one transaction, and each resolves only after that commit. Every other method
// first commits what is queued, so to any later call the store looks as if each transition had
// been written when it was asked for.

import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  ITEM_STATES,
  ItemState,
  LeaseLostError,
  TERMINAL_STATES,
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
import type { PlanBatch } from '../planBatch.ts';
import { REJECTED, WITHDRAWABLE_STATES } from '../planRules.ts';
import { sqlState, sqlStates } from '../sqlStates.ts';
import { ERROR_TALLY_LIMIT, topErrorGroups, type ErrorTally } from '../errorGroups.ts';
import { applyMigrations } from './migrate.ts';
import { privateLedgerFile } from './paths.ts';
import { toRecord, type ItemRow } from './rows.ts';
import { SqlitePlanner } from './plan.ts';
import { transitionSql } from './transition.ts';
import { GroupCommitter } from './groupCommit.ts';

// The same text as the claim index's predicate (migration 3), or SQLite would not use the index.
const UNFINISHED = `state NOT IN (${sqlStates(TERMINAL_STATES)})`;
const PENDING = sqlState(ItemState.pending);
const FAILED = sqlState(ItemState.failed);
const PAGE = 1_000;

export interface SqliteLedgerOptions {
  /** The job the file belongs to; by default the file's name without its extension. */
  job?: string;
  durability?: LedgerDurability;
}

export function openSqliteLedger(file: string, options: SqliteLedgerOptions = {}): LedgerStore {
  return new SqliteLedger(file, options.job ?? path.basename(file, path.extname(file)), options.durability ?? 'normal');
}

class SqliteLedger implements LedgerStore {
  readonly job: string;
  readonly location: string;
  readonly policies: LedgerPolicies;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #committer: GroupCommitter;
  #planner: SqlitePlanner | undefined;

  constructor(file: string, job: string, durability: LedgerDurability) {
    this.job = job;
    this.location = file;
    this.policies = { runLockFile: `${file}.lock`, reclaimLeasesAtStart: true, leaseClock: 'process' };
    privateLedgerFile(file);
    this.#db = new DatabaseSync(file, { timeout: 10_000 });
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}; PRAGMA foreign_keys = ON;`);
    this.#committer = new GroupCommitter(this.#db);
  }

  /** A prepared statement, after committing the queued transitions (see the header). */
  #statement(sql: string): StatementSync {
    this.#committer.flush();
    return this.#prepared(sql);
  }

  /** A prepared statement, without committing anything (for the committer's own writes). */
  #prepared(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async migrate(): Promise<void> {
    this.#committer.flush();
    applyMigrations(this.#db, this.location);
    this.#statement('INSERT INTO jobs (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(this.job, Date.now());
  }

  async registerJob(definition: JobDefinition): Promise<void> {
    this.#statement('UPDATE jobs SET definition = ? WHERE name = ?').run(JSON.stringify(definition), this.job);
  }

  async jobDefinition(): Promise<JobDefinition | undefined> {
    const row = this.#statement('SELECT definition FROM jobs WHERE name = ?').get(this.job) as { definition: string | null } | undefined;
    return row?.definition ? (JSON.parse(row.definition) as JobDefinition) : undefined;
  }

  async listUnfinishedJobs(): Promise<JobEntry[]> {
    // Items carry no job here: the file is the job, and it is this store's.
    if (!this.#statement(`SELECT 1 FROM items WHERE ${UNFINISHED} LIMIT 1`).get()) return [];
    const row = this.#statement('SELECT name, created_at, definition FROM jobs WHERE name = ?').get(this.job) as { name: string; created_at: number; definition: string | null } | undefined;
    if (!row) return [];
    return [{ name: row.name, createdAt: row.created_at, definition: row.definition ? (JSON.parse(row.definition) as JobDefinition) : null }];
  }

  async withdrawUnseen(generation: number): Promise<number> {
    const now = Date.now();
    return Number(
      this.#statement(
        `UPDATE items SET state = ${sqlState(ItemState.withdrawn)}, not_before = 0, finished_at = ?, updated_at = ?
         WHERE plan_generation <> ? AND state IN (${sqlStates(WITHDRAWABLE_STATES)}) AND lease_owner IS NULL`,
      ).run(now, now, generation).changes,
    );
  }

  async beginPlan(): Promise<number> {
    const row = this.#statement('INSERT INTO plan_runs (started_at) VALUES (?) RETURNING generation').get(Date.now()) as { generation: number };
    return row.generation;
  }

  async upsertPlanned(generation: number, batch: PlanBatch, policy: ChangePolicy): Promise<PlanBatchResult> {
    return this.#inTransaction(() => this.#plannerFor().upsert(generation, batch, policy, Date.now()));
  }

  #plannerFor(): SqlitePlanner {
    return (this.#planner ??= new SqlitePlanner(this.#db));
  }

  #inTransaction<T>(work: () => T): T {
    this.#committer.flush();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async claim(owner: string, limit: number, leaseMs: number, now = Date.now()): Promise<ItemRecord[]> {
    const rows = this.#statement(
      `UPDATE items SET lease_owner = ?, lease_until = ?, updated_at = ?
       WHERE key IN (
         SELECT key FROM items
         WHERE ${UNFINISHED} AND not_before <= ? AND (lease_owner IS NULL OR lease_until < ?)
         ORDER BY not_before LIMIT ?)
       RETURNING *`,
    ).all(owner, now + leaseMs, now, now, now, limit) as unknown as ItemRow[];
    return rows.map(toRecord);
  }

  async transition(key: string, owner: string, patch: ItemPatch): Promise<ItemRecord> {
    const { sql, values } = transitionSql(patch, Date.now());
    return await this.#committer.submit(() => {
      const row = this.#prepared(sql).get(...values, key, owner) as ItemRow | undefined;
      if (!row) throw new LeaseLostError(key, owner);
      return toRecord(row);
    });
  }

  async renewLeases(owner: string, leaseMs: number, now = Date.now()): Promise<number> {
    return Number(this.#statement('UPDATE items SET lease_until = ? WHERE lease_owner = ?').run(now + leaseMs, owner).changes);
  }

  async releaseLeases(owner: string): Promise<void> {
    this.#statement('UPDATE items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?').run(owner);
  }

  async releaseAllLeases(): Promise<number> {
    return Number(this.#statement('UPDATE items SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL').run().changes);
  }

  async expedite(keys: string[]): Promise<number> {
    let changed = 0;
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      changed += Number(
        this.#statement(`UPDATE items SET not_before = 0 WHERE key IN (${chunk.map(() => '?').join(', ')}) AND ${UNFINISHED} AND lease_owner IS NULL AND not_before > 0`).run(...chunk).changes,
      );
    }
    return changed;
  }

  async nextWakeAt(): Promise<number | null> {
    const now = Date.now();
    const row = this.#statement(
      `SELECT MIN(CASE WHEN lease_owner IS NOT NULL AND lease_until >= ? THEN lease_until ELSE not_before END) AS at
       FROM items WHERE ${UNFINISHED}`,
    ).get(now) as { at: number | null };
    return row.at === null ? null : Math.max(row.at, now);
  }

  async get(key: string): Promise<ItemRecord | undefined> {
    const row = this.#statement('SELECT * FROM items WHERE key = ?').get(key) as ItemRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async stats(windowMs = 60_000, now = Date.now()): Promise<LedgerStats> {
    const counts = Object.fromEntries(ITEM_STATES.map((state) => [state, 0])) as Record<ItemState, number>;
    let total = 0;
    let bytesDone = 0;
    for (const row of this.#statement('SELECT state, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM items GROUP BY state').all() as { state: ItemState; n: number; b: number }[]) {
      counts[row.state] = row.n;
      total += row.n;
      if (row.state === ItemState.done) bytesDone = row.b;
    }
    const recent = this.#statement('SELECT COUNT(*) AS n FROM items WHERE finished_at >= ?').get(now - windowMs) as { n: number };
    const tallies = this.#statement(
      // A rejected row's reason starts with its origin (file:line): without it, a hundred thousand
      // rows rejected for one reason are one tally, not a hundred thousand.
      `SELECT error_class AS errorClass, COUNT(*) AS count, MIN(last_error) AS example,
         CASE WHEN substr(last_error, 1, length(origin) + 2) = origin || ': ' THEN substr(last_error, length(origin) + 3) ELSE last_error END AS message
       FROM items WHERE state = ${FAILED} GROUP BY error_class, message ORDER BY count DESC LIMIT ${ERROR_TALLY_LIMIT}`,
    ).all() as unknown as ErrorTally[];
    return {
      counts,
      total,
      recentlyFinished: recent.n,
      windowMs,
      topErrors: topErrorGroups(tallies),
      bytesDone,
    };
  }

  async *iterate(filter: ItemFilter = {}): AsyncIterable<ItemRecord> {
    const states = filter.states ?? [];
    const stateClause = states.length > 0 ? `AND state IN (${states.map(() => '?').join(', ')})` : '';
    const statement = this.#statement(`SELECT * FROM items WHERE key > ? ${stateClause} ORDER BY key LIMIT ${PAGE}`);
    let after = '';
    for (;;) {
      const rows = statement.all(after, ...states) as unknown as ItemRow[];
      for (const row of rows) yield toRecord(row);
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.key;
    }
  }

  async amend(key: string, patch: ItemPatch): Promise<ItemRecord | undefined> {
    const now = Date.now();
    const { sql, values } = transitionSql({ ...patch, releaseLease: true }, now);
    const free = sql.replace('WHERE key = ? AND lease_owner = ?', 'WHERE key = ? AND (lease_owner IS NULL OR lease_until < ?)');
    const row = this.#statement(free).get(...values, key, now) as ItemRow | undefined;
    if (row) return toRecord(row);
    if (await this.get(key)) throw new LeaseLostError(key, '(a live worker holds it)');
    return undefined;
  }

  async countWithSourceName(fileName: string, exceptKey: string): Promise<number> {
    // A URL names the file percent-encoded; LIKE is case-insensitive for ASCII, which can only overcount.
    const names = [...new Set([fileName, encodeURIComponent(fileName)])].map(likeEscape);
    const clauses = names.map(() => `source LIKE ? ESCAPE '\\' OR source LIKE ? ESCAPE '\\'`).join(' OR ');
    const row = this.#statement(`SELECT COUNT(*) AS n FROM items WHERE key <> ? AND (source = ? OR ${clauses})`).get(
      exceptKey,
      fileName,
      ...names.flatMap((name) => [`%/${name}`, `%/${name}?%`]),
    ) as { n: number };
    return row.n;
  }

  async retryFailed(): Promise<number> {
    // Rejected manifest rows stay failed: only a corrected manifest (re-planned) can fix them.
    // started_at is cleared so the retried item gets a whole new time budget.
    return Number(
      this.#statement(
        `UPDATE items SET state = ${PENDING}, attempts = 0, not_before = 0, started_at = NULL, finished_at = NULL, updated_at = ?
         WHERE state = ${FAILED} AND COALESCE(error_class, '') <> '${REJECTED}'`,
      ).run(Date.now()).changes,
    );
  }

  async close(): Promise<void> {
    if (!this.#db.isOpen) return;
    this.#committer.flush();
    this.#db.close();
  }
}

/** A LIKE pattern that matches `text` literally. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
