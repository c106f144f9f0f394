// Planning: a generated CSV manifest (1,000,000 rows; --quick 50,000) planned into a fresh
// ledger by `ferry run --plan-only`, beside csv-parse alone reading the same file
// (bench/raw-csv-parse.ts), alternating; then a re-plan of the unchanged manifest (the nightly
// case) and `ferry status` on the result. Rows/s are each process's own timing of the parse
// (ferry's "planned" log line, raw's own clock), so start-up weighs on neither.

import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { measureNode, type MeasuredNode } from '../lib/child.ts';
import type { Section } from '../lib/context.ts';
import { prepareBaseline } from '../lib/baseline.ts';
import { ensureBuilt, writeJob } from '../lib/ferry.ts';
import { createScratchDatabase } from '../lib/scratchDatabase.ts';
import { alternate, median } from '../lib/rounds.ts';
import { num, perRound, ratio, type Row } from '../lib/table.ts';

interface FerryRound {
  plan: MeasuredNode & { parseSeconds: number };
  replan: MeasuredNode & { parseSeconds: number };
  status: MeasuredNode;
}

export const planning: Section = async ({ root, options, work, current, progress }) => {
  const previous = await prepareBaseline(root, options.baseline, progress);
  await ensureBuilt(previous, progress);
  const rows = options.quick ? 50_000 : 1_000_000;
  // Kept between runs (bench/out is git-ignored): generating a million rows is not the benchmark.
  const out = path.join(root, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  const manifest = path.join(out, `manifest-${rows}.csv`);
  if (!existsSync(manifest)) {
    progress(`generating ${manifest}`);
    await generateManifest(manifest, rows);
  }
  const job = { source: { type: 'csv', path: manifest, columns: { key: 'id', source: 'url', title: 'title', tags: 'tags' } }, target: { type: 'cincopa', mode: 'from_url', gallery: { name: 'bench' } } };

  const results = await alternate<unknown>(
    options.rounds,
    [
      {
        name: 'raw',
        run: async () => {
          const raw = await measureNode(path.join(root, 'bench', 'raw-csv-parse.ts'), [manifest], { cwd: root });
          return { ...raw, parseSeconds: (JSON.parse(raw.stdout) as { seconds: number }).seconds };
        },
      },
      {
        name: 'ferry',
        run: async (round): Promise<FerryRound> => {
          const files = writeJob(path.join(work, `plan-${round}`), 'bench-plan', job, {});
          const database = options.store ? await createScratchDatabase(options.store, 'ferry_bench_plan') : undefined;
          const ledger = database ? ['--ledger', database.url] : [];
          const bin = path.join(current.root, 'bin', 'ferry.js');
          try {
            const plan = withParse(await measureNode(bin, ['run', files.job, '--config', files.config, '--plan-only', ...ledger], { cwd: files.dir }));
            const replan = withParse(await measureNode(bin, ['run', files.job, '--config', files.config, '--plan-only', ...ledger], { cwd: files.dir }));
            const status = await measureNode(bin, ['status', files.job, '--config', files.config, ...ledger], { cwd: files.dir });
            return { plan, replan, status };
          } finally {
            await database?.drop();
            rmSync(files.dir, { recursive: true, force: true });
          }
        },
      },
      // The previous release's first plan of the same file (the before of issue 11's planning
      // memory); SQLite only: that release has no PostgreSQL ledger.
      ...(options.store
        ? []
        : [
            {
              name: 'previous',
              run: async (round: number) => {
                const files = writeJob(path.join(work, `plan-prev-${round}`), 'bench-plan', job, {});
                try {
                  return withParse(await measureNode(path.join(previous.root, 'bin', 'ferry.js'), ['run', files.job, '--config', files.config, '--plan-only'], { cwd: files.dir }));
                } finally {
                  rmSync(files.dir, { recursive: true, force: true });
                }
              },
            },
          ]),
    ],
    progress,
  );
  const raw = results.raw as (MeasuredNode & { parseSeconds: number })[];
  const ferry = results.ferry as FerryRound[];
  const before = (results.previous ?? []) as (MeasuredNode & { parseSeconds: number })[];
  const rate = (list: { parseSeconds: number }[]): number[] => list.map((entry) => rows / entry.parseSeconds);
  const rawRates = rate(raw);
  const planRates = rate(ferry.map((entry) => entry.plan));
  const replanRates = rate(ferry.map((entry) => entry.replan));
  const rss = (list: MeasuredNode[]): number[] => list.map((entry) => entry.peakRssMb);
  const planRss = rss(ferry.map((entry) => entry.plan));
  const replanRss = rss(ferry.map((entry) => entry.replan));
  const statusRss = rss(ferry.map((entry) => entry.status));
  const statusSeconds = ferry.map((entry) => entry.status.seconds);
  const result: Row[] = [
    { figure: 'first plan, rows/s', ferry: num(median(planRates)), reference: `${num(median(rawRates))} (raw csv-parse)`, ratio: ratio(median(planRates), median(rawRates)), aim: '≥ 0.8×', rounds: perRound(planRates, rawRates) },
    { figure: 're-plan (unchanged manifest), rows/s', ferry: num(median(replanRates)), reference: `${num(median(rawRates))} (raw csv-parse)`, ratio: ratio(median(replanRates), median(rawRates)), aim: '≥ 0.8×', rounds: perRound(replanRates, rawRates) },
    { figure: 'first plan, peak RSS MB', ferry: num(median(planRss)), reference: `${num(median(rss(raw)))} (raw csv-parse)`, ratio: ratio(median(planRss), median(rss(raw))), aim: '≤ 150 MB', rounds: perRound(planRss, rss(raw)) },
    ...(before.length === 0
      ? []
      : [
          { figure: 'first plan, rows/s, beside the previous release', ferry: num(median(planRates)), reference: `${num(median(rate(before)))} (${previous.label})`, ratio: ratio(median(planRates), median(rate(before))), aim: '—', rounds: perRound(planRates, rate(before)) },
          { figure: 'first plan, peak RSS MB, beside the previous release', ferry: num(median(planRss)), reference: `${num(median(rss(before)))} (${previous.label})`, ratio: ratio(median(planRss), median(rss(before))), aim: '≤ 150 MB', rounds: perRound(planRss, rss(before)) },
        ]),
    { figure: '`ferry status` on the planned ledger, s (whole command)', ferry: num(median(statusSeconds), 2), reference: '—', ratio: '—', aim: '< 1 s', rounds: perRound(statusSeconds, undefined, 2) },
  ];
  return {
    name: 'planning',
    title: 'Planning',
    method: [
      `A generated CSV manifest of ${num(rows)} rows (${num(statSync(manifest).size / 1048576)} MiB: id, url, title, tags) planned into a fresh ${options.store ? 'PostgreSQL database (created per round, dropped after)' : 'SQLite ledger'} by \`ferry run --plan-only\`, then re-planned unchanged, then \`ferry status\`; beside csv-parse alone counting the rows of the same file (\`bench/raw-csv-parse.ts\`) ${options.store ? '' : ` and beside ${previous.label}'s first plan of it`}. Rows/s are each process's own timing of the parse (ferry's \`planned\` log line), so Node's start-up weighs on neither. ${options.rounds} alternating rounds; medians; per-round values are ferry / raw.`,
    ],
    rows: result,
    memory: [
      { section: 'planning', process: 'ferry run --plan-only (first plan)', peakRssMb: median(planRss) },
      { section: 'planning', process: 'ferry run --plan-only (re-plan)', peakRssMb: median(replanRss) },
      { section: 'planning', process: 'ferry status', peakRssMb: median(statusRss) },
      { section: 'planning', process: 'raw csv-parse (reference)', peakRssMb: median(rss(raw)) },
      ...(before.length === 0 ? [] : [{ section: 'planning', process: 'previous release, first plan (reference)', peakRssMb: median(rss(before)) }]),
    ],
  };
};

/** ferry's own timing of the planning, from its "planned" log line. */
function withParse(measured: MeasuredNode): MeasuredNode & { parseSeconds: number } {
  for (const line of measured.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; ms?: number };
    if (entry.msg === 'planned' && typeof entry.ms === 'number') return { ...measured, parseSeconds: entry.ms / 1000 };
  }
  throw new Error(`no "planned" log line in: ${measured.stderr.slice(-2000)}`);
}

async function generateManifest(file: string, rows: number): Promise<void> {
  const partial = `${file}.partial`;
  const stream = createWriteStream(partial);
  stream.write('id,url,title,tags\n');
  for (let index = 0; index < rows; index++) {
    const line = `v${index},https://cdn.example.com/videos/${index % 997}/clip-${index}.mp4,"Clip ${index}, take ${index % 7}","archive,batch-${index % 50}"\n`;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  renameSync(partial, file);
}
