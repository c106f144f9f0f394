// A batch of manifest items on its way into the ledger. The manifest is read on a worker thread
// (see plan/planner.ts) and its items cross to the ledger's thread in this form:
//  - their strings as UTF-8, a few kilobytes of items per "text", in one transferable buffer,
//    cut apart again by a table of lengths; sizes and mtimes in a typed array.
//  - no parsing on the way in: at a million rows JSON here took longer than SQLite's inserts
//    (1.8 s of 4.3 s).
//  - nothing on the JavaScript heap while the batch waits: bytes are outside it, and the ledger
//    decodes one text at a time. Batches held as strings survived collections and made V8 grow
//    the ledger thread's heap by 40 MB or more.

import type { ManifestItem, RejectedRow } from '../manifest/types.ts';

/**
 * The manifest's entries in manifest order: items, and the rows it rejected (which the ledger
 * records as failed items, so they must keep their place: the first sighting of a key wins).
 */
export interface PlanBatch {
  count: number;
  /** 1 where the entry is a rejected row: its fields slot holds the reason instead of fields. */
  rejected: Uint8Array<ArrayBuffer>;
  /** key, source, fields (JSON) and origin of each entry, UTF-8, in texts of whole entries. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Where each text ends in `bytes`. */
  textEnds: Int32Array<ArrayBuffer>;
  /** The length (UTF-16 code units) of each of the four strings, item by item. */
  lengths: Int32Array<ArrayBuffer>;
  /** size and mtimeMs of each item; NaN where unknown. */
  numbers: Float64Array<ArrayBuffer>;
}

/** The buffers to hand over to the other thread instead of copying them. */
export function transferablesOf(batch: PlanBatch): ArrayBuffer[] {
  return [batch.rejected.buffer, batch.bytes.buffer, batch.textEnds.buffer, batch.lengths.buffer, batch.numbers.buffer];
}

const STRINGS_PER_ITEM = 4;
/** Characters per text: decoded, a text is a small string that dies young. */
const TEXT_CHARS = 16_384;
const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text (a key may start with one) instead of dropping it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function encodePlanBatch(entries: readonly (ManifestItem | RejectedRow)[]): PlanBatch {
  const builder = new PlanBatchBuilder(entries.length);
  for (const entry of entries) {
    if ('reason' in entry) builder.addRejected(entry);
    else builder.add(entry);
  }
  return builder.build();
}

/** Encodes entries as they come, so each item object can be collected at once. */
export class PlanBatchBuilder {
  #count = 0;
  #parts: string[] = [];
  #partChars = 0;
  #bytes = new Uint8Array(64 * 1024);
  #byteLength = 0;
  readonly #textEnds: number[] = [];
  #lengths: Int32Array<ArrayBuffer>;
  #numbers: Float64Array<ArrayBuffer>;
  #rejected: Uint8Array<ArrayBuffer>;

  constructor(capacity = 1_024) {
    this.#lengths = new Int32Array(Math.max(capacity, 1) * STRINGS_PER_ITEM);
    this.#numbers = new Float64Array(Math.max(capacity, 1) * 2);
    this.#rejected = new Uint8Array(Math.max(capacity, 1));
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes encoded so far: the batch's size, near enough. */
  get byteLength(): number {
    return this.#byteLength + this.#partChars;
  }

  add(item: ManifestItem): void {
    this.#append(item.key, item.source, JSON.stringify(item.fields), item.origin, item.size, item.mtimeMs, false);
  }

  addRejected(row: RejectedRow): void {
    this.#append(row.key, row.source, row.reason, row.origin, null, null, true);
  }

  #append(key: string, source: string, fields: string, origin: string, size: number | null, mtimeMs: number | null, rejected: boolean): void {
    if (this.#count === this.#rejected.length) this.#growTables();
    const slot = this.#count * STRINGS_PER_ITEM;
    this.#lengths[slot] = key.length;
    this.#lengths[slot + 1] = source.length;
    this.#lengths[slot + 2] = fields.length;
    this.#lengths[slot + 3] = origin.length;
    this.#numbers[this.#count * 2] = size ?? Number.NaN;
    this.#numbers[this.#count * 2 + 1] = mtimeMs ?? Number.NaN;
    this.#rejected[this.#count] = rejected ? 1 : 0;
    const chars = key.length + source.length + fields.length + origin.length;
    if (this.#partChars > 0 && this.#partChars + chars > TEXT_CHARS) this.#endText();
    this.#partChars += chars;
    this.#parts.push(key, source, fields, origin);
    this.#count++;
  }

  build(): PlanBatch {
    this.#endText();
    return {
      count: this.#count,
      rejected: this.#rejected.slice(0, this.#count),
      bytes: this.#bytes.slice(0, this.#byteLength),
      textEnds: Int32Array.from(this.#textEnds),
      lengths: this.#lengths.slice(0, this.#count * STRINGS_PER_ITEM),
      numbers: this.#numbers.slice(0, this.#count * 2),
    };
  }

  #endText(): void {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join('');
    const needed = this.#byteLength + text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (needed > this.#bytes.length) {
      const bytes = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
      bytes.set(this.#bytes.subarray(0, this.#byteLength));
      this.#bytes = bytes;
    }
    this.#byteLength += encoder.encodeInto(text, this.#bytes.subarray(this.#byteLength)).written;
    this.#textEnds.push(this.#byteLength);
    this.#parts = [];
    this.#partChars = 0;
  }

  #growTables(): void {
    const lengths = new Int32Array(this.#lengths.length * 2);
    lengths.set(this.#lengths);
    this.#lengths = lengths;
    const numbers = new Float64Array(this.#numbers.length * 2);
    numbers.set(this.#numbers);
    this.#numbers = numbers;
    const rejected = new Uint8Array(this.#rejected.length * 2);
    rejected.set(this.#rejected);
    this.#rejected = rejected;
  }
}

/** A cursor over an encoded batch: `next()` moves to the following entry. */
export class BatchReader {
  /** This entry is a row the manifest rejected, for `reason`; its source is as written, it has no fields. */
  rejected = false;
  reason = '';
  key = '';
  source = '';
  fields = '';
  origin = '';
  size: number | null = null;
  mtimeMs: number | null = null;
  readonly #batch: PlanBatch;
  #index = -1;
  /** The text being read, decoded, and which one it is. */
  #text = '';
  #textIndex = -1;
  #offset = 0;

  constructor(batch: PlanBatch) {
    this.#batch = batch;
  }

  next(): boolean {
    const batch = this.#batch;
    if (++this.#index >= batch.count) return false;
    // Items never span texts: at the end of one, the next item starts the following text.
    while (this.#offset >= this.#text.length && this.#textIndex < batch.textEnds.length - 1) {
      this.#textIndex++;
      const start = this.#textIndex === 0 ? 0 : batch.textEnds[this.#textIndex - 1]!;
      this.#text = decoder.decode(batch.bytes.subarray(start, batch.textEnds[this.#textIndex]!));
      this.#offset = 0;
    }
    const slot = this.#index * STRINGS_PER_ITEM;
    this.key = this.#take(batch.lengths[slot]!);
    this.source = this.#take(batch.lengths[slot + 1]!);
    this.fields = this.#take(batch.lengths[slot + 2]!);
    this.origin = this.#take(batch.lengths[slot + 3]!);
    const size = batch.numbers[this.#index * 2]!;
    const mtimeMs = batch.numbers[this.#index * 2 + 1]!;
    this.size = Number.isNaN(size) ? null : size;
    this.mtimeMs = Number.isNaN(mtimeMs) ? null : mtimeMs;
    this.rejected = batch.rejected[this.#index] === 1;
    if (this.rejected) {
      this.reason = this.fields;
      this.fields = '{}';
    }
    return true;
  }

  #take(length: number): string {
    const value = this.#text.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }
}
