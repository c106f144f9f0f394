// A plan batch as the column arrays the plan statements unnest (sql/plan.ts), a slice at a
// time: node-postgres sends each column as one array parameter, so a slice is one round trip,
// and only the slice being written is decoded onto the heap. Repeats of a key within the batch
// are found here, with a Set of the batch's keys, rather than by a sort in the database: only
// each key's first sighting in the batch is sent.

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
  /** Where each entry stands in the batch (manifest order). */
  positions: number[];
}

export interface Sighting {
  key: string;
  origin: string;
  /** Where it stands in the batch. */
  position: number;
}

export class PlanSlicer {
  /** Repeats of a key within the batch so far: duplicates whatever the ledger holds. */
  readonly repeats: Sighting[] = [];
  readonly #reader: BatchReader;
  readonly #size: number;
  readonly #seen = new Set<string>();
  #position = 0;

  constructor(batch: PlanBatch, size: number) {
    this.#reader = new BatchReader(batch);
    this.#size = size;
  }

  /** The next slice of up to `size` first sightings, or undefined at the end of the batch. */
  next(): PlanColumns | undefined {
    const slice: PlanColumns = { keys: [], sources: [], fields: [], sizes: [], mtimes: [], origins: [], reasons: [], positions: [] };
    const reader = this.#reader;
    while (slice.keys.length < this.#size && reader.next()) {
      const position = this.#position++;
      if (this.#seen.has(reader.key)) {
        this.repeats.push({ key: reader.key, origin: reader.origin, position });
        continue;
      }
      this.#seen.add(reader.key);
      slice.keys.push(reader.key);
      // A rejected row has no source or fields: the reader gives '' and '{}', as the ledger stores them.
      slice.sources.push(reader.source);
      slice.fields.push(reader.fields);
      slice.sizes.push(reader.size);
      slice.mtimes.push(reader.mtimeMs);
      slice.origins.push(reader.origin);
      slice.reasons.push(reader.rejected ? reader.reason : null);
      slice.positions.push(position);
    }
    return slice.keys.length > 0 ? slice : undefined;
  }
}
