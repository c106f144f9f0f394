import { describe, expect, it } from 'vitest';
import { BatchReader, encodePlanBatch } from '../../src/ledger/planBatch.ts';
import type { ManifestItem } from '../../src/manifest/types.ts';

function decode(items: ManifestItem[]): ManifestItem[] {
  const reader = new BatchReader(structuredClone(encodePlanBatch(items)));
  const decoded: ManifestItem[] = [];
  while (reader.next()) {
    decoded.push({ key: reader.key, source: reader.source, fields: JSON.parse(reader.fields) as Record<string, string>, size: reader.size, mtimeMs: reader.mtimeMs, origin: reader.origin });
  }
  return decoded;
}

describe('plan batches', () => {
  it('carry every item across unchanged: text of any kind, unknown and known sizes, many texts, a huge row', () => {
    const items: ManifestItem[] = [
      { key: '\uFEFFbom-first (a text starting with U+FEFF)', source: 'https://x.example/b.mp4', fields: { title: '\uFEFF' }, size: 1, mtimeMs: 2, origin: 'm.csv:3' },
      { key: 'a', source: 'https://x.example/a.mp4', fields: {}, size: null, mtimeMs: null, origin: 'm.csv:2' },
      { key: 'ü/日本語/🎬.e57', source: '/data/ü/日本語/🎬.e57', fields: { title: 'Ünïcødé "quoted", \u0000 nul, \u001f unit sep' }, size: 0, mtimeMs: 1_700_000_000_123, origin: '/data' },
      { key: 'huge', source: 'https://x.example/h.mp4', fields: { description: 'x'.repeat(200_000) }, size: 5, mtimeMs: 6, origin: 'm.csv:4' },
    ];
    for (let index = 0; index < 5_000; index++) {
      items.push({ key: `k${index}`, source: `https://x.example/${index}.mp4`, fields: { title: `Title ${index}`, tags: index % 2 ? '' : 'a,b' }, size: index, mtimeMs: null, origin: `m.csv:${index + 5}` });
    }
    const batch = encodePlanBatch(items);
    expect(batch.textEnds.length).toBeGreaterThan(10); // decoded a text at a time
    expect(decode(items)).toEqual(items);
  });

  it('an empty batch reads as no items', () => {
    expect(decode([])).toEqual([]);
  });
});
