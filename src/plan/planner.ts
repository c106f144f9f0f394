// Planning: the manifest is read and checked on a worker thread (manifestReader.ts) and written
// into the ledger here, one transaction per batch, while the worker reads the next batches.
// Memory stays flat whatever the manifest's size: a few batches in flight, duplicate detection
// in the ledger (plan generations), and only the keys already reported as duplicates kept here.
// An exact repeat of a key is reported once per key; a conflicting one (other source or values)
// every time, with the row that stands: dropping it silently would lose what the operator meant.

import { on } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../core/errors.ts';
import type { ChangePolicy, DuplicateConflict, LedgerStore, PlanCounts } from '../ledger/types.ts';
import type { ManifestSpec } from '../manifest/open.ts';
import type { ReaderMessage, ReaderSettings } from './manifestReader.ts';

/**
 * The reader's heap: its garbage is short-lived, so a small young generation suffices (24 MB
 * measured best for memory at about the same speed as 32-64), and the old generation only
 * holds a few batches; the cap turns a runaway into an error instead of a machine out of memory.
 */
const READER_LIMITS = { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 128 };
/** The reader's module, beside this one: .ts when run from src/, .js in the build. */
const READER_MODULE = new URL(`./manifestReader${path.extname(import.meta.filename)}`, import.meta.url);

export interface PlanOptions {
  policy: ChangePolicy;
  /** What a complete plan does with items whose row is gone: withdraw (never upload) or keep. */
  removedPolicy?: 'withdraw' | 'keep';
  batchSize?: number;
  signal?: AbortSignal;
  /**
   * Called once per duplicated key with where its repeat was found, and for every repeat whose
   * content differs from the standing row (`conflict` says where that row is and what differs).
   */
  onDuplicate?(key: string, origin: string, conflict?: DuplicateConflict): void;
  onProgress?(counts: PlanCounts): void;
}

export async function planManifest(store: LedgerStore, spec: ManifestSpec, options: PlanOptions): Promise<PlanCounts> {
  options.signal?.throwIfAborted();
  const generation = await store.beginPlan();
  const totals: PlanCounts = { added: 0, changed: 0, unchanged: 0, duplicates: 0, conflicts: 0, rejected: 0, returned: 0, withdrawn: 0 };
  const reported = new Set<string>();
  const settings: ReaderSettings = { spec, batchSize: options.batchSize ?? 5_000, maxBatchBytes: 8_000_000, window: 4 };
  const reader = new Worker(READER_MODULE, { workerData: settings, resourceLimits: READER_LIMITS });
  try {
    const messages = on(reader, 'message', { signal: options.signal, close: ['exit'] }) as AsyncIterableIterator<[ReaderMessage]>;
    for await (const [message] of messages) {
      if (message.kind === 'end') {
        // Only a plan that read the whole manifest may say a row is gone.
        if (options.removedPolicy !== 'keep') totals.withdrawn = await store.withdrawUnseen(generation);
        return totals;
      }
      if (message.kind === 'error') throw message.usage ? new UsageError(message.message) : new Error(`reading the manifest failed: ${message.message}`);
      const result = await store.upsertPlanned(generation, message.batch, options.policy);
      totals.added += result.added;
      totals.changed += result.changed;
      totals.unchanged += result.unchanged;
      totals.rejected += result.rejected;
      totals.returned += result.returned;
      for (const { key, origin, conflict } of result.duplicateSightings) {
        if (conflict) totals.conflicts++;
        if (!reported.has(key)) {
          reported.add(key);
          totals.duplicates++;
        } else if (!conflict) continue;
        options.onDuplicate?.(key, origin, conflict);
      }
      reader.postMessage('next');
      options.onProgress?.({ ...totals });
    }
    throw new Error('the manifest reader stopped before the end of the manifest');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      throw new Error(`reading the manifest ran out of its ${READER_LIMITS.maxOldGenerationSizeMb} MB of memory: are some rows many megabytes long? Split such values out of the manifest.`, { cause: error });
    }
    throw error;
  } finally {
    await reader.terminate();
  }
}
