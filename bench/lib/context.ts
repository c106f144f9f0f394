// What every section gets from bench/run.ts.

import type { BenchOptions } from './args.ts';
import type { FerryBuild } from './ferry.ts';
import type { SectionResult } from './results.ts';

export interface SectionContext {
  root: string;
  options: BenchOptions;
  /** This checkout's ferry, built. */
  current: FerryBuild;
  /** A temporary folder of the section's own, removed after it. */
  work: string;
  progress(line: string): void;
}

export type Section = (context: SectionContext) => Promise<SectionResult>;
