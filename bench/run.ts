// `npm run bench [-- <section>…] [--rounds 3] [--quick] [--baseline <rev>] [--store postgres://…]`
// Runs the benchmark suite (or the named sections) and writes bench/RESULTS.md: machine facts,
// then per section ferry's figures beside references measured in the same run. Progress goes
// to stderr. Never part of `npm test`, never a gate: it reports, it does not judge.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBenchArgs, type SectionName } from './lib/args.ts';
import type { Section } from './lib/context.ts';
import { ensureBuilt } from './lib/ferry.ts';
import { describeMachine, machineFacts } from './lib/machine.ts';
import { assemble, parseBlocks, renderHeader, renderSection, type SectionResult } from './lib/results.ts';
import { bytes } from './sections/bytes.ts';
import { latency } from './sections/latency.ts';
import { memory } from './sections/memory.ts';
import { orchestration } from './sections/orchestration.ts';
import { planning } from './sections/planning.ts';
import { politeness } from './sections/politeness.ts';
import { scaleout } from './sections/scaleout.ts';

const SECTION_RUNNERS: Record<Exclude<SectionName, 'memory'>, Section> = { planning, orchestration, latency, bytes, politeness, scaleout };

const root = path.resolve(import.meta.dirname, '..');
const options = parseBenchArgs(process.argv.slice(2), path.join(root, 'bench', 'RESULTS.md'));
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const progress = (line: string): void => void process.stderr.write(`[bench ${elapsed()}] ${line}\n`);
const facts = machineFacts(root);
const run = { date: facts.date, commit: facts.commit, machine: describeMachine(facts), rounds: options.rounds, quick: options.quick };
const current = { label: `this build (${facts.commit})`, root };
await ensureBuilt(current, progress);

const previousText = existsSync(options.out) ? readFileSync(options.out, 'utf8') : undefined;
const fresh = new Map<string, string>();
for (const name of options.sections) {
  if (name === 'memory') continue;
  const sectionStarted = performance.now();
  progress(`section ${name}`);
  const work = mkdtempSync(path.join(tmpdir(), `ferry-bench-${name}-`));
  try {
    const result = await SECTION_RUNNERS[name]({ root, options, current, work, progress: (line) => progress(`${name}: ${line}`) });
    fresh.set(name, renderSection(result, run));
    printSummary(result);
  } catch (error) {
    // One broken section must not cost the others' figures: its block says what went wrong.
    const message = error instanceof Error ? error.message : String(error);
    progress(`section ${name} FAILED: ${message}`);
    fresh.set(name, renderSection({ name, title: `${name} (failed)`, method: ['**This section failed in this run:**', `\`\`\`\n${message.slice(0, 4000)}\n\`\`\``], rows: [], memory: [] }, run));
    process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  progress(`section ${name} done in ${((performance.now() - sectionStarted) / 1000).toFixed(0)} s`);
}

// Memory is gathered from every block (fresh or kept); its own measurement runs only when asked.
const blocks = new Map([...(previousText ? parseBlocks(previousText) : []), ...fresh]);
const work = mkdtempSync(path.join(tmpdir(), 'ferry-bench-memory-'));
try {
  const result = await memory({ root, options, current, work, progress: (line) => progress(`memory: ${line}`) }, blocks, options.sections.includes('memory'));
  fresh.set('memory', renderSection(result, run));
  if (options.sections.includes('memory')) printSummary(result);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const seconds = (performance.now() - started) / 1000;
writeFileSync(options.out, assemble(renderHeader({ ...run, seconds }, options.sections), previousText, fresh));
progress(`wrote ${path.relative(process.cwd(), options.out)}; total ${elapsed()}`);

function printSummary(result: SectionResult): void {
  for (const row of result.rows) process.stderr.write(`  ${result.title}: ${row.figure}: ${row.ferry} vs ${row.reference} = ${row.ratio} (aim ${row.aim})\n`);
}
