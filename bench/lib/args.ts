// Command line of `npm run bench`: which sections to run, how many rounds, how large.
// Pure (no I/O), so test/bench/args.test.ts can pin the section selection down.

import { parseArgs } from 'node:util';

export const SECTIONS = ['planning', 'orchestration', 'latency', 'bytes', 'politeness', 'scaleout', 'memory'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  sections: SectionName[];
  /** Odd, so the median is one measured round, not an average of two. */
  rounds: number;
  /** Small sizes everywhere: a smoke check of the harness, not figures. */
  quick: boolean;
  /** The previous release the orchestration section runs beside this build. */
  baseline: string;
  /** PostgreSQL server for the planning section's ledger (a database per round); SQLite when absent. */
  store?: string;
  /** Where RESULTS.md is written. */
  out: string;
}

export const DEFAULT_BASELINE = 'bf8fa9a';

export function parseBenchArgs(argv: string[], defaultOut: string): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rounds: { type: 'string', default: '3' },
      quick: { type: 'boolean', default: false },
      baseline: { type: 'string', default: DEFAULT_BASELINE },
      store: { type: 'string' },
      out: { type: 'string', default: defaultOut },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds % 2 === 0) throw new Error(`--rounds must be an odd whole number (got ${values.rounds}): the median has to be one round`);
  return { sections: selectSections(positionals), rounds, quick: values.quick, baseline: values.baseline, store: values.store, out: values.out };
}

/** Named sections in suite order (duplicates dropped); none named = all. Unknown names are refused. */
export function selectSections(names: string[]): SectionName[] {
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.map((name) => `"${name}"`).join(', ')}; sections: ${SECTIONS.join(', ')}`);
  return names.length === 0 ? [...SECTIONS] : SECTIONS.filter((section) => names.includes(section));
}
