// The benchmark harness's pure helpers: section selection, alternating rounds and their
// medians, the markdown it writes, and how RESULTS.md keeps the blocks of sections not run.

import { describe, expect, it } from 'vitest';
import { parseBenchArgs, SECTIONS, selectSections } from '../../bench/lib/args.ts';
import { assemble, memoryOf, parseBlocks, renderSection } from '../../bench/lib/results.ts';
import { alternate, median, roundOrder } from '../../bench/lib/rounds.ts';
import { markdownTable, perRound, ratio } from '../../bench/lib/table.ts';

describe('section selection', () => {
  it('runs every section when none is named, and the named ones in suite order', () => {
    expect(selectSections([])).toEqual([...SECTIONS]);
    expect(selectSections(['bytes', 'planning', 'bytes'])).toEqual(['planning', 'bytes']);
  });

  it('refuses an unknown section and an even number of rounds', () => {
    expect(() => selectSections(['planing'])).toThrow(/unknown section "planing"/);
    expect(() => parseBenchArgs(['--rounds', '4'], 'out.md')).toThrow(/odd/);
    expect(parseBenchArgs(['latency', '--quick', '--rounds', '5'], 'out.md')).toMatchObject({ sections: ['latency'], rounds: 5, quick: true, baseline: 'bf8fa9a' });
  });
});

describe('alternating rounds', () => {
  it('rotates the order each round', () => {
    expect([0, 1, 2].map((round) => roundOrder(3, round))).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]);
  });

  it('collects each case per round and takes the middle value', async () => {
    const calls: string[] = [];
    const results = await alternate(3, [
      { name: 'a', run: async (round) => (calls.push(`a${round}`), [5, 1, 3][round]!) },
      { name: 'b', run: async (round) => (calls.push(`b${round}`), round) },
    ]);
    expect(calls).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
    expect(results).toEqual({ a: [5, 1, 3], b: [0, 1, 2] });
    expect(median(results.a!)).toBe(3);
    expect(median([4, 1])).toBe(1);
    expect(() => median([])).toThrow();
  });
});

describe('markdown', () => {
  it('writes a table, escaping pipes', () => {
    expect(markdownTable(['a', 'b'], [['1|2', '3']])).toBe('| a | b |\n| --- | --- |\n| 1\\|2 | 3 |');
    expect(ratio(8, 10)).toBe('0.80×');
    expect(ratio(1, 0)).toBe('n/a');
    expect(perRound([1000, 2000], [1500, 2500])).toBe('1,000 / 1,500, 2,000 / 2,500');
  });

  it('replaces the blocks of the sections run and keeps the others, in suite order', () => {
    const run = { date: 'd', commit: 'c', machine: 'm', rounds: 3, quick: false };
    const block = (name: 'planning' | 'bytes', figure: string): string =>
      renderSection({ name, title: name, method: [], rows: [{ figure, ferry: '1', reference: '2', ratio: '0.50×', aim: '—', rounds: '1 / 2' }], memory: [{ section: name, process: 'ferry', peakRssMb: 100 }] }, run);
    const first = assemble('# header\n', undefined, new Map([['bytes', block('bytes', 'old bytes')], ['planning', block('planning', 'old plan')]]));
    expect(first.indexOf('old plan')).toBeLessThan(first.indexOf('old bytes'));
    const second = assemble('# header 2\n', first, new Map([['planning', block('planning', 'new plan')]]));
    expect(second).toContain('new plan');
    expect(second).toContain('old bytes');
    expect(second).not.toContain('old plan');
    expect(second.startsWith('# header 2')).toBe(true);
    expect(memoryOf(parseBlocks(second).get('bytes')!)).toEqual([{ section: 'bytes', process: 'ferry', peakRssMb: 100 }]);
  });
});
