// Memory: the peak RSS of every ferry process the other sections measured, gathered from their
// blocks in RESULTS.md (kept or fresh), plus ferry's start-up footprint (`ferry --version`)
// beside a bare `node` — what every ferry process pays before it does anything.

import path from 'node:path';
import { measureNode } from '../lib/child.ts';
import type { SectionContext } from '../lib/context.ts';
import { memoryOf, type MemoryEntry, type SectionResult } from '../lib/results.ts';
import { alternate, median } from '../lib/rounds.ts';
import { markdownTable, num, perRound, ratio, type Row } from '../lib/table.ts';

export async function memory({ options, current, progress }: SectionContext, blocks: ReadonlyMap<string, string>, measureNow: boolean): Promise<SectionResult> {
  const gathered = [...blocks].filter(([name]) => name !== 'memory').flatMap(([, block]) => memoryOf(block));
  let own: MemoryEntry[];
  let rows: Row[] = [];
  if (measureNow) {
    const results = await alternate(
      options.rounds,
      [
        { name: 'ferry', run: () => measureNode(path.join(current.root, 'bin', 'ferry.js'), ['--version'], { cwd: current.root }) },
        { name: 'node', run: () => measureNode('-e', ['0'], { cwd: current.root }) },
      ],
      progress,
    );
    const ferry = results.ferry!.map((entry) => entry.peakRssMb);
    const node = results.node!.map((entry) => entry.peakRssMb);
    rows = [{ ...footprintRow(median(ferry), median(node)), rounds: perRound(ferry, node) }];
    own = [{ section: 'memory', process: 'ferry --version (start-up footprint)', peakRssMb: median(ferry) }, { section: 'memory', process: 'node -e 0 (reference)', peakRssMb: median(node) }];
  } else {
    // Not measured this time: the footprint row comes back from the last measurement.
    own = memoryOf(blocks.get('memory') ?? '').filter((entry) => entry.section === 'memory');
    const [ferry, node] = own;
    if (ferry && node) rows = [{ ...footprintRow(ferry.peakRssMb, node.peakRssMb), rounds: 'medians of the last `memory` run' }];
  }
  const all = [...gathered, ...own];
  return {
    name: 'memory',
    title: 'Memory',
    method: [
      'Peak RSS (all threads) of every process the sections measured, as each section recorded it (medians of its rounds), gathered from the blocks of this file whenever any section runs; the start-up footprint below is measured when the `memory` section itself runs.',
    ],
    rows,
    extra: [all.length > 0 ? markdownTable(['section', 'process', 'peak RSS MB', `within ${RSS_BOUND_MB} MB`], all.map((entry) => [entry.section, entry.process, num(entry.peakRssMb), withinBound(entry)])) : '_No section has recorded a peak RSS yet._'],
    memory: own,
  };
}

/** The bound issue 11 sets for a ferry run at concurrency 32 and for planning a million rows. */
const RSS_BOUND_MB = 150;

/** Whether a ferry process stayed within the bound; references (other tools, the previous release) are not held to it. */
function withinBound(entry: MemoryEntry): string {
  if (/\(reference\)|ferry --version/.test(entry.process)) return '—';
  return entry.peakRssMb <= RSS_BOUND_MB ? 'yes' : 'NO';
}

function footprintRow(ferry: number, node: number): Omit<Row, 'rounds'> {
  return { figure: 'start-up footprint, peak RSS MB (`ferry --version`)', ferry: num(ferry), reference: `${num(node)} (\`node -e 0\`)`, ratio: ratio(ferry, node), aim: '—' };
}
