// A plan batch as the column arrays the plan statements unnest (sql/plan.ts), a slice at a
// time: node-postgres sends each column as one array parameter, so a slice is one round trip,
// and only the slice being written is decoded onto the heap. Repeats of a key within the batch
// are found here, with a Set of the batch's keys, rather than by a sort in the database: only
// each key's first sighting in the batch is sent.

import type { RepeatContent } from '../duplicates.ts';
import { BatchReader, type PlanBatch } from '../planBatch.ts';

export interface PlanColumns {
  keys: string[];
  /** As written, also for a rejected row (the report shows what to fix). */
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

/** A sighting of a key already seen in this plan, with what it says. */
export interface Sighting extends RepeatContent {
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
        const { key, origin, source, fields, size, mtimeMs, rejected } = reader;
        this.repeats.push({ key, origin, position, source, fields, size, mtimeMs, rejected });
        continue;
      }
      this.#seen.add(reader.key);
      slice.keys.push(reader.key);
      slice.sources.push(reader.source);
      // A rejected row has no fields: the reader gives '{}', as the ledger stores it.
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

/** The sighting of the slice's `index`-th entry. */
export function sightingAt(slice: PlanColumns, index: number): Sighting {
  return {
    key: slice.keys[index]!,
    origin: slice.origins[index]!,
    position: slice.positions[index]!,
    source: slice.sources[index]!,
    fields: slice.fields[index]!,
    size: slice.sizes[index]!,
    mtimeMs: slice.mtimes[index]!,
    rejected: slice.reasons[index] !== null,
  };
}
