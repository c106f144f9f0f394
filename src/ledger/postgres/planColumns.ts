// A plan batch as the column arrays the plan statement unnests (sql/plan.ts): node-postgres
// sends each as one array parameter, so a batch of thousands of entries is one round trip.

import { BatchReader, type PlanBatch } from '../planBatch.ts';

export interface PlanColumns {
  keys: string[];
  sources: string[];
  fields: string[];
  sizes: (number | null)[];
  mtimes: (number | null)[];
  origins: string[];
  /** null for an item; the reason for a row the manifest rejected. */
  reasons: (string | null)[];
}

export function planColumns(batch: PlanBatch): PlanColumns {
  const columns: PlanColumns = { keys: [], sources: [], fields: [], sizes: [], mtimes: [], origins: [], reasons: [] };
  const reader = new BatchReader(batch);
  while (reader.next()) {
    columns.keys.push(reader.key);
    // A rejected row has no source or fields: the reader gives '' and '{}', as the ledger stores them.
    columns.sources.push(reader.source);
    columns.fields.push(reader.fields);
    columns.sizes.push(reader.size);
    columns.mtimes.push(reader.mtimeMs);
    columns.origins.push(reader.origin);
    columns.reasons.push(reader.rejected ? reader.reason : null);
  }
  return columns;
}
