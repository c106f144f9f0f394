// The block bookkeeping and the bandwidth cap, in isolation.

import { describe, expect, it } from 'vitest';
import { bandwidth, parseByteRate } from '../../../src/targets/bandwidth.ts';
import { blockCount, blockId, blockIndexOf, blockListXml, BlockSet, blockSizeFor, MAX_BLOCKS, parseBlockList } from '../../../src/targets/cintoo/blocks.ts';
import { extensionOf } from '../../../src/targets/cintoo/formats.ts';

describe('blocks', () => {
  it('keeps acknowledged blocks as ranges, in any order of arrival', () => {
    const set = new BlockSet();
    for (const index of [5, 0, 2, 1, 7, 6, 9]) set.add(index);
    expect(set.toString()).toBe('0-2,5-7,9');
    const back = BlockSet.parse(set.toString());
    expect([0, 1, 2, 3, 5, 6, 7, 8, 9].map((index) => back.has(index))).toEqual([true, true, true, false, true, true, true, false, true]);
    expect(back.size).toBe(7);
    expect(BlockSet.parse('').size).toBe(0);
    expect(BlockSet.parse(undefined).toString()).toBe('');
  });

  it('names blocks deterministically, all ids of one length, and reads them back', () => {
    expect(blockId(0)).toBe(blockId(0));
    expect(new Set([0, 9, 12_345, 49_999].map((index) => blockId(index).length)).size).toBe(1);
    expect(blockIndexOf(blockId(12_345))).toBe(12_345);
    expect(blockIndexOf(Buffer.from('someone else').toString('base64'))).toBeUndefined();
    expect(blockListXml(2)).toBe(`<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${blockId(0)}</Latest><Latest>${blockId(1)}</Latest></BlockList>`);
    const xml = `<BlockList><CommittedBlocks/><UncommittedBlocks><Block><Name>${blockId(3)}</Name><Size>100</Size></Block></UncommittedBlocks></BlockList>`;
    expect(parseBlockList(xml)).toEqual([{ id: blockId(3), size: 100 }]);
  });

  it('grows the block size for a file that would need more than 50,000 blocks', () => {
    const eightMiB = 8 * 1024 * 1024;
    expect(blockSizeFor(10 * 1024 ** 3, eightMiB)).toBe(eightMiB);
    const huge = 1024 ** 4; // 1 TiB
    expect(blockCount(huge, blockSizeFor(huge, eightMiB))).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(blockCount(1, eightMiB)).toBe(1);
  });

  it('reads extensions the way Cintoo names formats', () => {
    expect(extensionOf('Level 2.E57')).toBe('e57');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('.hidden')).toBe('');
    expect(extensionOf('README')).toBe('');
  });
});

describe('bandwidth', () => {
  it('reads rates with units', () => {
    expect(parseByteRate('20MB')).toBe(20_000_000);
    expect(parseByteRate('20M')).toBe(20_000_000);
    expect(parseByteRate('500k')).toBe(500_000);
    expect(parseByteRate('1.5G')).toBe(1_500_000_000);
    expect(parseByteRate('100MiB/s')).toBe(100 * 1024 * 1024);
    expect(parseByteRate('4096')).toBe(4096);
    expect(parseByteRate('0')).toBe(0);
    expect(parseByteRate('fast')).toBeUndefined();
    expect(parseByteRate('-3M')).toBeUndefined();
  });

  it('spaces the bytes of all senders together at the cap', async () => {
    const cap = bandwidth(1_000_000);
    const started = performance.now();
    // Four senders, 100 kB each in 10 kB slices: 400 kB at 1 MB/s is at least ~0.4 s in all.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let sent = 0; sent < 100_000; sent += 10_000) await cap.take(10_000);
      }),
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
    expect(bandwidth(0).sliceBytes).toBe(Number.POSITIVE_INFINITY);
  });
});
