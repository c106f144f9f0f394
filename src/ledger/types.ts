// The ledger is ferry's memory: one row per item with its state, the remote ids gathered so
// far, attempts, last error, timings and a lease. One narrow interface, implemented on
// node:sqlite (default, one file per job) and PostgreSQL (many jobs and many workers in one
// database), opened through one factory (open.ts); a shared conformance suite runs against both.

import type { ManifestItem } from '../manifest/types.ts';
import type { PlanBatch } from './planBatch.ts';

/**
 * Item states across all targets (DESIGN.md "Item state machines"). Each target uses the
 * subset on its own path; `done`, `skipped` and `failed` are terminal.
 *   Cincopa from URL:  pending → submitted → fetched → described → placed → done
 *   Cincopa direct:    pending → uploading → uploaded → described → placed → done
 *   Cintoo:            pending → hashed → signed → uploading → uploaded → registered → done
 */
export const ItemState = {
  pending: 'pending',
  submitted: 'submitted',
  fetched: 'fetched',
  hashed: 'hashed',
  signed: 'signed',
  uploading: 'uploading',
  uploaded: 'uploaded',
  described: 'described',
  registered: 'registered',
  placed: 'placed',
  done: 'done',
  skipped: 'skipped',
  failed: 'failed',
  /** The row left the manifest before the item was uploaded (decided only by a plan that read the whole manifest). */
  withdrawn: 'withdrawn',
} as const;
export type ItemState = (typeof ItemState)[keyof typeof ItemState];

/** Every state, in the constant's order: the one list every other list (and SQL) derives from. */
export const ITEM_STATES: readonly ItemState[] = Object.freeze(Object.values(ItemState));
export const TERMINAL_STATES: readonly ItemState[] = Object.freeze([ItemState.done, ItemState.skipped, ItemState.failed, ItemState.withdrawn]);
export const UNFINISHED_STATES: readonly ItemState[] = Object.freeze(ITEM_STATES.filter((state) => !TERMINAL_STATES.includes(state)));
export const isTerminal = (state: ItemState): boolean => TERMINAL_STATES.includes(state);

/** Remote ids and progress a target gathered for an item (status_id, rid, blobName, urn, offset, md5...). JSON-serialisable. */
export type RemoteState = Record<string, string | number | boolean | null | string[]>;

/** A manifest item as the ledger knows it: what the manifest said, plus its progress. */
export interface ItemRecord extends ManifestItem {
  state: ItemState;
  remote: RemoteState;
  /** 0 for the first upload; bumped when a changed manifest entry sends a finished item round again. */
  revision: number;
  attempts: number;
  /** Epoch ms before which the item must not be retried (backoff), or null. */
  notBefore: number | null;
  /** Last error, already scrubbed of secrets. */
  lastError: string | null;
  /** Category/code of the last error, for `status` top error classes. */
  errorClass: string | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** Bytes moved for this item (the size once known). */
  bytes: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** What the planner does with an item whose manifest entry changed since the last plan. */
export const ChangePolicy = { reupload: 'reupload', ignore: 'ignore' } as const;
export type ChangePolicy = (typeof ChangePolicy)[keyof typeof ChangePolicy];

export interface PlanCounts {
  added: number;
  changed: number;
  unchanged: number;
  /** Keys seen more than once in this plan: reported once, processed once. */
  duplicates: number;
  /**
   * Repeats of a key whose source or mapped values differ from the row that stands (the first):
   * silently dropping them would lose what the operator meant, so each one is named.
   */
  conflicts: number;
  rejected: number;
  /** Withdrawn items whose row is back in the manifest: pending again. */
  returned: number;
  /** Items whose row this (complete) plan did not see: withdrawn (removedPolicy withdraw). */
  withdrawn: number;
}

/** How a repeat of a key differs from the row that stands. */
export interface DuplicateConflict {
  /** Where the standing row is (`file:line`). */
  standing: string;
  /** What differs: `source`, mapped field names, `size`, `mtime`; `rejected` for a repeat that is a rejected row. */
  differs: string[];
}

export interface PlanBatchResult extends PlanCounts {
  /** Keys seen again in this plan generation: each sighting after the first, with where it was and, if it differs, how. */
  duplicateSightings: { key: string; origin: string; conflict?: DuplicateConflict }[];
}

/** A persisted transition. Only the given fields change; `updatedAt` is always set. */
export interface ItemPatch {
  state?: ItemState;
  remote?: RemoteState;
  attempts?: number;
  notBefore?: number | null;
  lastError?: string | null;
  errorClass?: string | null;
  bytes?: number | null;
  startedAt?: number | null;
  finishedAt?: number | null;
  /**
   * Give the lease back with this transition, so the item can be claimed again once
   * `notBefore` passes (a retry backoff, or a poll interval) without holding a worker slot.
   * Transitions into a terminal state always release the lease.
   */
  releaseLease?: boolean;
}

export interface LedgerStats {
  counts: Record<ItemState, number>;
  total: number;
  /** Items finished (done/skipped/failed) in the last `windowMs`, for rate and ETA. */
  recentlyFinished: number;
  windowMs: number;
  /** Failed items grouped by error class and message shape (errorGroups.ts), largest first. */
  topErrors: { errorClass: string; count: number; example: string }[];
  bytesDone: number;
}

/** normal: a transition survives any crash of ferry; full: also power loss (see each backend). */
export type LedgerDurability = 'normal' | 'full';

export interface RunLockHolder {
  pid: number;
  host: string;
  since: number;
  /**
   * When the holder process started, in the kernel's own clock (Linux: /proc/<pid>/stat field
   * 22), so a later process that happens to get the same pid is not taken for the holder.
   * Absent where the platform does not tell, and in locks written by older versions.
   */
  startTime?: string;
}

export interface ItemFilter {
  states?: ItemState[];
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A job's definition as the ledger keeps it: JSON the ledger does not interpret (the app stores
 * the validated job there), so that a worker on another machine can find what to serve.
 */
export type JobDefinition = { [key: string]: JsonValue };

export interface JobEntry {
  name: string;
  createdAt: number;
  /** The definition last registered for the job, or null. */
  definition: JobDefinition | null;
}

/**
 * How runs coordinate over this ledger: declared by each backend and followed by the app, so
 * nothing outside ledger/ decides by the kind of location.
 */
export interface LedgerPolicies {
  /**
   * The lock file that makes runs of this job exclusive (SQLite: one file, one run at a time),
   * or undefined where many workers share the ledger (PostgreSQL).
   */
  readonly runLockFile: string | undefined;
  /**
   * A run holding the run lock frees every lease at start: any lease left belongs to a run that
   * crashed, and waiting for it to expire would only delay the restart. Never where workers
   * share the ledger: there a lease belongs to a live worker until it expires.
   */
  readonly reclaimLeasesAtStart: boolean;
  /**
   * Whose clock leases are measured by when a call passes no `now`: this process's (SQLite, one
   * machine) or the database's (PostgreSQL: one clock for every worker; heartbeats renew leases
   * and any worker reclaims an expired one).
   */
  readonly leaseClock: 'process' | 'database';
}

/**
 * The store of one job's items.
 * Error contract: methods throw only for storage failures (disk, corruption, lost connection);
 * a transition by a worker that no longer holds the item's lease throws `LeaseLostError` so the
 * worker drops the item instead of overwriting another worker's progress. Opening refuses a
 * ledger written by a newer ferry (`LedgerTooNewError`, ledger/errors.ts).
 *
 * `now` parameters are the clock a call measures leases and windows by; omitted, the store's
 * own clock (`policies.leaseClock`). Only tests pass one, to move through time.
 */
export interface LedgerStore {
  /** The job whose items this store holds (a PostgreSQL database holds many jobs). */
  readonly job: string;
  /** Where the ledger lives, fit to print: a file path, or a URL with its password masked. */
  readonly location: string;
  readonly policies: LedgerPolicies;

  /**
   * Open/create and apply numbered migrations, then register the store's job. Idempotent.
   * Throws `LedgerTooNewError` when the schema is newer than this code, and `LedgerNotFoundError`
   * when the store was opened with `create: false` and the job has no ledger here.
   */
  migrate(): Promise<void>;

  /** Record the job's definition (replacing an earlier one) so that any worker can serve the job. */
  registerJob(definition: JobDefinition): Promise<void>;
  /** The job's definition as last registered, or undefined. */
  jobDefinition(): Promise<JobDefinition | undefined>;
  /**
   * Jobs in this ledger with items not yet finished (any non-terminal state), oldest first.
   * The whole ledger, not only this store's job; a SQLite file holds one job, the one it was opened for.
   */
  listUnfinishedJobs(): Promise<JobEntry[]>;

  /** Start a plan generation; duplicate detection is per generation. */
  beginPlan(): Promise<number>;
  /**
   * After a plan that read the whole manifest: items not started (pending, failed) whose row
   * this generation did not see become `withdrawn`; in-flight and finished items are left alone.
   * Returns how many. Never called after a plan cut short.
   */
  withdrawUnseen(generation: number): Promise<number>;
  /**
   * Apply a batch of manifest entries, in order, in one transaction. New keys become `pending`;
   * changed ones (source, fields, size or mtime differ) follow `policy` (reupload: back to
   * `pending` with remote ids cleared, unless in flight; ignore: keep); unchanged and done ones
   * are left alone. Rejected rows become `failed` items with their reason and source as written
   * (a done item stays done). A key seen before in this generation is a duplicate: the first
   * sighting stands, and a repeat whose content differs is reported with how (a conflict), which
   * needs each planned item's `origin` to be the line of its latest sighting.
   */
  upsertPlanned(generation: number, batch: PlanBatch, policy: ChangePolicy): Promise<PlanBatchResult>;

  /**
   * Claim up to `limit` non-terminal items whose lease is free or expired and whose
   * `notBefore` has passed, leasing them to `owner` until `now + leaseMs`.
   */
  claim(owner: string, limit: number, leaseMs: number, now?: number): Promise<ItemRecord[]>;
  /** Persist a transition of an item leased by `owner`. */
  transition(key: string, owner: string, patch: ItemPatch): Promise<ItemRecord>;
  /** Extend the leases of all items held by `owner` (heartbeat). */
  renewLeases(owner: string, leaseMs: number, now?: number): Promise<number>;
  /** Give back the leases of `owner` (graceful shutdown). */
  releaseLeases(owner: string): Promise<void>;
  /**
   * Free every lease of the job, whoever holds it. Only for a caller that holds the job's run
   * lock (`policies.reclaimLeasesAtStart`); where workers share the ledger this would steal
   * live workers' items. Returns how many were freed.
   */
  releaseAllLeases(): Promise<number>;
  /**
   * Make these unfinished, unleased items claimable now (a webhook said their wait is over).
   * Returns how many changed.
   */
  expedite(keys: string[]): Promise<number>;
  /** Earliest `notBefore` among claimable-later items, or null when none wait. */
  nextWakeAt(): Promise<number | null>;

  get(key: string): Promise<ItemRecord | undefined>;
  stats(windowMs?: number, now?: number): Promise<LedgerStats>;
  /** Stream items in key order (for reports), never all at once in memory. */
  iterate(filter?: ItemFilter): AsyncIterable<ItemRecord>;
  /**
   * How many items other than `exceptKey` have a source whose last path segment is `fileName`
   * (an URL's query string ignored). A full scan: for rare questions (adopting an orphan), not hot paths.
   */
  countWithSourceName(fileName: string, exceptKey: string): Promise<number>;
  /**
   * Change an item that no live worker holds (no lease, or an expired one) — the repairs of
   * `ferry reconcile`. Throws LeaseLostError when a worker holds it; undefined for an unknown key.
   */
  amend(key: string, patch: ItemPatch): Promise<ItemRecord | undefined>;
  /** failed → pending (attempts reset, error kept in history). Returns how many. */
  retryFailed(): Promise<number>;

  /** Close the file or end the connection pool. Idempotent. */
  close(): Promise<void>;
}

export class LeaseLostError extends Error {
  constructor(key: string, owner: string) {
    super(`item ${key} is no longer leased by ${owner}`);
    this.name = 'LeaseLostError';
  }
}
