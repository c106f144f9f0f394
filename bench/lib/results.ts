// RESULTS.md is one file made of blocks, one per section, each between markers:
//   <!-- section:planning --> … <!-- /section:planning -->
// A run rewrites the header and the blocks of the sections it ran and keeps every other block
// as it was, so `npm run bench -- planning` refreshes planning alone. Each block carries its
// processes' peak RSS as a JSON comment, from which the memory section is rebuilt. Pure.

import { SECTIONS, type SectionName } from './args.ts';
import { resultTable, type Row } from './table.ts';

export interface MemoryEntry {
  section: string;
  process: string;
  peakRssMb: number;
}

export interface SectionResult {
  name: SectionName;
  title: string;
  /** How the figures were measured (markdown paragraphs or list items). */
  method: string[];
  rows: Row[];
  /** Markdown after the main table (a second table, notes). */
  extra?: string[];
  memory: MemoryEntry[];
}

export interface RunFacts {
  date: string;
  commit: string;
  machine: string;
  rounds: number;
  quick: boolean;
  seconds: number;
}

const BLOCK = /<!-- section:([a-z-]+) -->\n[\s\S]*?<!-- \/section:\1 -->\n?/g;
const MEMORY = /<!-- memory: (\[.*\]) -->/;

export function renderSection(result: SectionResult, run: Omit<RunFacts, 'seconds'>): string {
  const lines = [
    `<!-- section:${result.name} -->`,
    `## ${result.title}`,
    '',
    `_Measured ${run.date} at ${run.commit}${run.quick ? ', **--quick** (small sizes: a smoke check, not figures)' : ''}; ${run.machine}._`,
    '',
    ...result.method.flatMap((paragraph) => [paragraph, '']),
    ...(result.rows.length > 0 ? [resultTable(result.rows), ''] : []),
    ...(result.extra ?? []).flatMap((paragraph) => [paragraph, '']),
    `<!-- memory: ${JSON.stringify(result.memory)} -->`,
    `<!-- /section:${result.name} -->`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The blocks of an existing RESULTS.md, by section name. */
export function parseBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of text.matchAll(BLOCK)) blocks.set(match[1]!, match[0].endsWith('\n') ? match[0] : `${match[0]}\n`);
  return blocks;
}

export function memoryOf(block: string): MemoryEntry[] {
  const match = MEMORY.exec(block);
  return match ? (JSON.parse(match[1]!) as MemoryEntry[]) : [];
}

export function renderHeader(run: RunFacts, ran: readonly string[]): string {
  return [
    '# ferry benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts); do not edit by hand: a run replaces the blocks of the sections it ran and keeps the others. -->',
    '',
    `Last run: ${run.date} at ${run.commit}, sections ${ran.join(', ')}, ${run.rounds} alternating round(s) per figure (medians), ${run.quick ? '**--quick**, ' : ''}${Math.round(run.seconds)} s in all.`,
    '',
    `Machine: ${run.machine}.`,
    '',
    'Every figure stands beside a reference measured in the same run on the same machine, so the ratio holds on a noisy machine where the absolute figures do not. Each section says when it was measured: a section run alone (`npm run bench -- planning`) replaces only its own block.',
    '',
  ].join('\n');
}

/** The whole file: header, then one block per section in suite order, new ones over old ones. */
export function assemble(header: string, previous: string | undefined, fresh: ReadonlyMap<string, string>): string {
  const old = previous ? parseBlocks(previous) : new Map<string, string>();
  const blocks = SECTIONS.map((name) => fresh.get(name) ?? old.get(name)).filter((block): block is string => block !== undefined);
  return `${header}\n${blocks.join('\n')}`;
}
