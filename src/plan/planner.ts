// Streams a manifest into the ledger in batched transactions. Memory stays flat whatever the
// manifest's size: at most two batches in flight (one being written while the next is read),
// duplicate detection in the ledger (plan generations), and only the set of keys already
// reported as duplicates kept here.

import type { ChangePolicy, LedgerStore, PlanCounts } from '../ledger/types.ts';
import type { ManifestItem, ManifestSource, RejectedRow } from '../manifest/types.ts';

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
    if (batch.length > 0) {
      const result = await store.upsertPlanned(generation, batch, options.policy);
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
    if (rows.length > 0) {
      await store.recordRejected(generation, rows);
      totals.rejected += rows.length;
    }
    options.onProgress?.({ ...totals });
  };
  // The write of one batch overlaps the reading of the next; never more than one waits.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    const batch = items;
    const rows = rejected;
    items = [];
    rejected = [];
    await inFlight;
    inFlight = write(batch, rows);
    inFlight.catch(() => undefined); // surfaced by the next await
  };

  for await (const entry of source.entries(options.signal)) {
    options.signal?.throwIfAborted();
    if (entry.kind === 'item') items.push(entry.item);
    else rejected.push(entry.row);
    if (items.length + rejected.length >= batchSize) await flush();
  }
  await flush();
  await inFlight;
  return totals;
}
