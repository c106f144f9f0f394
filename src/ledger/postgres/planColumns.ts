// A plan batch as the column arrays the plan statement unnests (sql/plan.ts): node-postgres
// sends each as one array parameter, so a batch of thousands of entries is one round trip.
// Repeats of a key within the batch are found here, with a Map of the batch's keys, rather than
// by a sort in the database: only each key's first sighting in the batch is sent.

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
  /** Where each sent entry stands in the batch (manifest order). */
  positions: number[];
  /** Repeats of a key within the batch, with their positions: duplicates whatever the ledger holds. */
  repeats: { key: string; origin: string; position: number }[];
}

export function planColumns(batch: PlanBatch): PlanColumns {
  const columns: PlanColumns = { keys: [], sources: [], fields: [], sizes: [], mtimes: [], origins: [], reasons: [], positions: [], repeats: [] };
  const seen = new Set<string>();
  const reader = new BatchReader(batch);
  for (let position = 0; reader.next(); position++) {
    if (seen.has(reader.key)) {
      columns.repeats.push({ key: reader.key, origin: reader.origin, position });
      continue;
    }
    seen.add(reader.key);
    columns.keys.push(reader.key);
    // A rejected row has no source or fields: the reader gives '' and '{}', as the ledger stores them.
    columns.sources.push(reader.source);
    columns.fields.push(reader.fields);
    columns.sizes.push(reader.size);
    columns.mtimes.push(reader.mtimeMs);
    columns.origins.push(reader.origin);
    columns.reasons.push(reader.rejected ? reader.reason : null);
    columns.positions.push(position);
  }
  return columns;
}
