// A target is one platform ferry uploads to. A third platform is one new folder under
// targets/ plus one line in targets/registry.ts.

import type { Logger } from 'pino';
import type { ItemRecord, ItemState, RemoteState } from '../ledger/types.ts';
import type { ManifestItem } from '../manifest/types.ts';

/** What `checkItems` found: lines for the validate output, and how many rows a run would fail. */
export interface ItemFindings {
  lines: string[];
  problems: number;
}

/** Optional capabilities are declared, not discovered by try/catch. */
export interface TargetCapabilities {
  /** An interrupted upload continues from its committed chunk/blocks. */
  resumableUpload: boolean;
  /** Looks an item up at the platform before uploading, so a lost ledger never duplicates. */
  idempotencyLookup: boolean;
  /**
   * Some states' steps take many items per call (`batching` + `stepBatch`): Cincopa gallery
   * adds, Cintoo sign and register. The runner collects items in those states and hands them
   * over together.
   */
  batchSteps: boolean;
  /** Can list the job's objects at the destination and repair them (`openVerifier`): ferry verify/reconcile. */
  verify: boolean;
}

/** One object at the destination, as `ferry verify` sees it. */
export type DestinationEntry =
  | {
      /** Carries one of the job's labels (a Cincopa reference id, a Cintoo work zone + file name). */
      kind: 'labelled';
      /** What ties it to an item: the item key (Cincopa's reference id), or what `Verifier.keyOf` gives (Cintoo: work zone + name). */
      key: string;
      /** The item revision it was made for, when the label says (else null). */
      revision: number | null;
      remoteId: string;
      size: number | null;
      title: string | null;
      /** Epoch ms when known: the oldest of duplicates is kept when the ledger knows none. */
      createdAt: number | null;
    }
  | {
      /** Looks like an upload of one of the job's files (by name) but carries no label: a lost submission's twin. */
      kind: 'unlabelled';
      name: string;
      remoteId: string;
      size: number | null;
    };

/**
 * Read and repair access to a job's destination (`ferry verify`, `ferry reconcile`). Opening it
 * changes nothing at the platform (a missing gallery or work zone is simply empty).
 */
export interface Verifier {
  /** Every object of the job at the destination, streamed (a huge library is never held in memory). */
  entries(signal: AbortSignal): AsyncIterable<DestinationEntry>;
  /** The container's members (a Cincopa gallery), a member held twice listed twice; absent when the job has no container. */
  members?(signal: AbortSignal): AsyncIterable<string>;
  /** The name an unlabelled twin of this item would have (its source's file name). */
  nameOf(item: ItemRecord): string;
  /** The entry key this item's object would carry (default: the item key); null when it cannot be known yet. */
  keyOf?(item: ItemRecord): string | null;
  /** Whether an entry is the item's current version (default: same revision); other versions are what a changed item was before. */
  sameVersion?(item: ItemRecord, entry: { revision: number | null; size: number | null }): boolean;
  /**
   * Whether an object whose key no ledger item has belongs to the job anyway (Cincopa: it carries
   * the job's label) — or is simply someone else's (Cintoo: any file of the work zone).
   */
  readonly ownsUnknownKeys: boolean;
  /** Why objects cannot be deleted, when the platform offers no way (then `remove` is absent). */
  readonly cannotRemove?: string;
  /** The ledger state and remote ids an item continues from once it adopts this object. */
  adopt(entry: Extract<DestinationEntry, { kind: 'labelled' }>): { state: ItemState; remote: RemoteState };
  /** Delete an object for good (an extra copy); absent when the platform cannot (see `cannotRemove`). */
  remove?(remoteId: string, signal: AbortSignal): Promise<void>;
  /** Make this object a member of the container exactly once. */
  fixMembership?(remoteId: string, signal: AbortSignal): Promise<void>;
}

/** Which states go in batches, and how the runner forms them. */
export interface BatchPolicy {
  /** Largest batch per state; states not listed step one item at a time. */
  maxItems: Partial<Record<ItemState, number>>;
  /** How long a batch waits for company after its first item before it goes anyway. */
  lingerMs: number;
}

/** One item of a batch, with its own checkpoint (e.g. an intent persisted before the call). */
export interface BatchMember {
  item: ItemRecord;
  checkpoint(remote: RemoteState, bytes?: number): Promise<void>;
  /** The job's other items (the runner always gives them; a target stepping one item alone may not). */
  peers?: ItemPeers;
}

/** Per item of a batch, in order: what its step did, or the classified error it met. */
export type BatchOutcome = { result: StepResult } | { error: unknown };

/** Read-only questions about the job's other items, answered by the ledger. */
export interface ItemPeers {
  /** How many other items of the job have a source whose file name is `fileName`. */
  countWithSourceName(fileName: string): Promise<number>;
}

/** What a target may ask of the run outside its steps. */
export interface RunHooks {
  /** These items' wait is over (e.g. a webhook reported their asset): step them again now. */
  expedite(keys: string[]): void;
  /** The job's items now in `state` (streamed from the ledger), e.g. fetches a restarted run waits on. */
  itemsIn(state: ItemState): AsyncIterable<ItemRecord>;
}

export interface StepContext {
  log: Logger;
  signal: AbortSignal;
  peers: ItemPeers;
  /** Persist intermediate progress (e.g. an upload offset) without changing state. */
  checkpoint(remote: RemoteState, bytes?: number): Promise<void>;
}

/**
 * What one step did. The runner persists `state` and `remote` before calling the next step,
 * so a crash resumes from here.
 * - `again`: the step is not finished (e.g. still processing); call the same state again after
 *   `againAfterMs` without counting an attempt.
 */
export interface StepResult {
  state: ItemState;
  remote?: RemoteState;
  bytes?: number;
  againAfterMs?: number;
}

/**
 * Error contract: `step` throws only classified errors from core/errors.ts
 * (RetryableError, RateLimitedError, AuthError, PermanentError); anything else is treated as
 * retryable by the runner and logged as a defect.
 */
export interface Target {
  readonly type: string;
  readonly capabilities: TargetCapabilities;
  /**
   * Check credentials and resolve/create the destination (gallery, work zone) once per run.
   * `hooks` let the target act on the run from outside a step (a webhook delivery).
   */
  prepare(signal: AbortSignal, hooks?: RunHooks): Promise<void>;
  /**
   * Read-only checks for `ferry validate`: credentials work and the destination exists (or
   * would be created). Changes nothing at the platform. Returns human-readable findings;
   * throws AuthError for refused credentials and PermanentError for a missing destination.
   */
  check(signal: AbortSignal): Promise<string[]>;
  /**
   * Optional, for `ferry validate`: checks of the manifest's items that need the platform (which
   * file formats it takes, say), reading them once as a stream. Read-only, like `check`, with
   * the same error contract. Each problem is a row a run would fail.
   */
  checkItems?(items: AsyncIterable<ManifestItem>, signal: AbortSignal): Promise<ItemFindings>;
  /** Advance one item by one step from its current persisted state. */
  step(item: ItemRecord, ctx: StepContext): Promise<StepResult>;
  /** With `capabilities.batchSteps`: the states that batch. */
  readonly batching?: BatchPolicy;
  /**
   * States whose step works only on this machine (hashing a local file, a bookkeeping
   * transition) and never talks to the platform: the runner runs them without taking one of
   * the run's `concurrency` slots (and without waiting out a rate-limit pause), so they never
   * keep an upload waiting. The target bounds such work itself (e.g. its own hashing concurrency).
   */
  readonly localStates?: readonly ItemState[];
  /**
   * With `capabilities.batchSteps`: advance many items in the same state by one step, in as
   * few platform calls as the target can. Returns one outcome per member, in order; an error
   * that concerns the whole call is that error for every member. Same error contract as `step`.
   */
  stepBatch?(members: BatchMember[], ctx: { log: Logger; signal: AbortSignal }): Promise<BatchOutcome[]>;
  /** With `capabilities.verify`: read/repair access to the destination, for ferry verify and reconcile. */
  openVerifier?(signal: AbortSignal): Promise<Verifier>;
  /** Called after the run drains (e.g. flush batched registrations); optional. */
  close?(): Promise<void>;
}
