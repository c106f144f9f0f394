// Streams a manifest into the ledger in batched transactions. Memory stays flat whatever the
// manifest's size: one batch at a time, duplicate detection in the ledger (plan generations),
// and only the set of keys already reported as duplicates kept here.

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

  const flush = async (): Promise<void> => {
    if (items.length > 0) {
      const batch = items;
      items = [];
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
    if (rejected.length > 0) {
      await store.recordRejected(generation, rejected);
      totals.rejected += rejected.length;
      rejected = [];
    }
    options.onProgress?.({ ...totals });
  };

  for await (const entry of source.entries(options.signal)) {
    options.signal?.throwIfAborted();
    if (entry.kind === 'item') items.push(entry.item);
    else rejected.push(entry.row);
    if (items.length + rejected.length >= batchSize) await flush();
  }
  await flush();
  return totals;
}
