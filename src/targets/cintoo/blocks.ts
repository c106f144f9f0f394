// The bookkeeping of a block upload: how a file is cut into blocks, their ids, and the set of
// blocks storage has acknowledged — ferry's own durable record (signed URLs may be write-only,
// so storage's Get Block List cannot be counted on). The set is kept as ranges ("0-41,43-50"):
// a few bytes in the ledger even for a file of 10,000 blocks.

/** Azure: at most 50,000 blocks per blob, each at most 4,000 MiB. */
export const MAX_BLOCKS = 50_000;
export const MAX_BLOCK_BYTES = 4000 * 1024 * 1024;

/** The block size for a file: the configured one, or larger when the file needs more than 50,000 blocks. */
export function blockSizeFor(fileSize: number, configured: number): number {
  return Math.min(MAX_BLOCK_BYTES, Math.max(configured, Math.ceil(fileSize / MAX_BLOCKS)));
}

export function blockCount(fileSize: number, blockSize: number): number {
  return Math.max(1, Math.ceil(fileSize / blockSize));
}

/**
 * Block `index`'s id: deterministic, so a resumed upload names the blocks storage already has
 * the same way; the same length for every block of a blob, as Azure requires.
 */
export function blockId(index: number): string {
  return Buffer.from(`ferry-block-${String(index).padStart(8, '0')}`).toString('base64');
}

/** The index a block id stands for, or undefined for an id ferry did not make. */
export function blockIndexOf(id: string): number | undefined {
  const match = /^ferry-block-(\d{8})$/.exec(Buffer.from(id, 'base64').toString('latin1'));
  return match ? Number(match[1]) : undefined;
}

/** Put Block List's body: every block, in order, as the latest version storage holds. */
export function blockListXml(count: number): string {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) ids.push(`<Latest>${blockId(index)}</Latest>`);
  return `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.join('')}</BlockList>`;
}

/** Get Block List's answer → block name and size, committed and uncommitted alike. */
export function parseBlockList(xml: string): { id: string; size: number }[] {
  const blocks: { id: string; size: number }[] = [];
  for (const match of xml.matchAll(/<Block>\s*<Name>([^<]*)<\/Name>\s*<Size>(\d+)<\/Size>\s*<\/Block>/g)) blocks.push({ id: match[1]!, size: Number(match[2]) });
  return blocks;
}

/** A set of block indexes, written as sorted ranges. */
export class BlockSet {
  readonly #members = new Set<number>();

  static parse(text: string | undefined): BlockSet {
    const set = new BlockSet();
    for (const part of (text ?? '').split(',')) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!match) continue;
      const from = Number(match[1]);
      const to = match[2] === undefined ? from : Number(match[2]);
      for (let index = from; index <= to; index++) set.add(index);
    }
    return set;
  }

  add(index: number): void {
    this.#members.add(index);
  }

  has(index: number): boolean {
    return this.#members.has(index);
  }

  get size(): number {
    return this.#members.size;
  }

  toString(): string {
    const sorted = [...this.#members].sort((a, b) => a - b);
    const parts: string[] = [];
    for (let start = 0; start < sorted.length; ) {
      let end = start;
      while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
      parts.push(start === end ? String(sorted[start]) : `${sorted[start]}-${sorted[end]}`);
      start = end + 1;
    }
    return parts.join(',');
  }
}
