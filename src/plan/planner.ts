// Streams a manifest into the ledger in batched transactions. Memory stays flat whatever the
// manifest's size: a few batches in flight (written while the next ones are read),
// duplicate detection in the ledger (plan generations), and only the set of keys already
// reported as duplicates kept here.

import type { ChangePolicy, LedgerStore, PlanCounts } from '../ledger/types.ts';
import type { ManifestItem, ManifestSource, RejectedRow } from '../manifest/types.ts';

const MAX_IN_FLIGHT = 4;

export interface PlanOptions {
  policy: ChangePolicy;
  batchSize?: number;
  signal?: AbortSignal;
  /** Called once per duplicated key, with where its repeat was found. */
  onDuplicate?(key: string, origin: string): void;
  onProgress?(counts: PlanCounts): void;
}

export async function planManifest(store: LedgerStore, source: ManifestSource, options: PlanOptions): Promise<PlanCounts> {
  const batchSize = options.batchSize ?? 5_000;
  const generation = await store.beginPlan();
  const totals: PlanCounts = { added: 0, changed: 0, unchanged: 0, duplicates: 0, rejected: 0 };
  const reported = new Set<string>();
  let items: ManifestItem[] = [];
  let rejected: RejectedRow[] = [];

  const write = async (batch: ManifestItem[], rows: RejectedRow[]): Promise<void> => {
    // Both calls are made before either is awaited, so the ledger applies them in manifest order.
    const upserted = batch.length > 0 ? store.upsertPlanned(generation, batch, options.policy) : undefined;
    const recorded = rows.length > 0 ? store.recordRejected(generation, rows) : undefined;
    const [result] = await Promise.all([upserted, recorded]);
    if (result) {
      totals.added += result.added;
      totals.changed += result.changed;
      totals.unchanged += result.unchanged;
      for (const key of result.duplicateKeys) {
        if (reported.has(key)) continue;
        reported.add(key);
        totals.duplicates++;
        options.onDuplicate?.(key, batch.findLast((item) => item.key === key)?.origin ?? '');
      }
    }
    totals.rejected += rows.length;
    options.onProgress?.({ ...totals });
  };
  // Writes overlap the reading of the next batches; a few may wait, so neither side stalls on
  // the other's hiccups, and memory stays bounded by MAX_IN_FLIGHT batches.
  const inFlight: Promise<void>[] = [];
  const flush = async (): Promise<void> => {
    const batch = items;
    const rows = rejected;
    items = [];
    rejected = [];
    if (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
    const writing = write(batch, rows);
    writing.catch(() => undefined); // surfaced when awaited below
    inFlight.push(writing);
  };

  try {
    for await (const entries of source.batches(options.signal)) {
      options.signal?.throwIfAborted();
      for (const entry of entries) {
        if (entry.kind === 'item') items.push(entry.item);
        else rejected.push(entry.row);
      }
      if (items.length + rejected.length >= batchSize) await flush();
    }
    await flush();
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
    await store.finishPlan(generation);
  }
  return totals;
}
