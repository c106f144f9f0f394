// Orchestration ceiling: many small upload-from-URL items against a zero-latency sandbox
// (processing 0 ms), so what limits ferry is ferry. This build beside the previous release
// (--baseline, default bf8fa9a) on the same job and the same sandbox, and beside the sandbox's
// capacity for ping, all three alternating.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../../src/sandbox/index.ts';
import { prepareBaseline } from '../lib/baseline.ts';
import { pingCapacity, type Capacity } from '../lib/capacity.ts';
import type { Section } from '../lib/context.ts';
import { ensureBuilt, runFerry, writeJob, type FerryBuild } from '../lib/ferry.ts';
import { alternate, median } from '../lib/rounds.ts';
import { num, perRound, ratio, type Row } from '../lib/table.ts';

interface FerryRun {
  itemsPerSecond: number;
  cpuMsPerItem: number;
  requestsPerSecond: number;
  peakRssMb: number;
}

const CONCURRENCY = 32;

export const orchestration: Section = async ({ root, options, work, current, progress }) => {
  // 2,000 items: the job issue 11 measured "today" with (203 items/s, ~6 ms CPU per item), so
  // start-up weighs on these figures as it did on those; a run takes 3-10 s on 2 cores.
  const items = options.quick ? 100 : 2_000;
  const previous = await prepareBaseline(root, options.baseline, progress);
  await ensureBuilt(previous, progress);
  const sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 0 } });
  try {
    const manifest = path.join(work, 'items.csv');
    writeFileSync(manifest, `id,url\n${Array.from({ length: items }, (_, index) => `i${index},${sandbox.origin.url}/gen/i${index}.mp4?size=1024\n`).join('')}`);
    const config = { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, pollIntervalMs: 20 } };
    const fromUrl = async (build: FerryBuild, tag: string, round: number): Promise<FerryRun> => {
      // A job name per run: reference ids must not let a run find the assets of an earlier one.
      const name = `orch-${tag}-${round}`;
      const files = writeJob(path.join(work, name), name, { source: { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, target: { type: 'cincopa', mode: 'from_url', gallery: { name } }, runner: { concurrency: CONCURRENCY } }, config);
      const requests = sandbox.journal.count({ service: 'cincopa' });
      const submits = sandbox.journal.count({ service: 'cincopa', route: 'asset.upload_from_url' });
      const run = await runFerry(build, files);
      const submitted = sandbox.journal.count({ service: 'cincopa', route: 'asset.upload_from_url' }) - submits;
      if (submitted !== items) throw new Error(`${build.label} submitted ${submitted} upload_from_url for ${items} items`);
      return { itemsPerSecond: items / run.seconds, cpuMsPerItem: run.cpuMs / items, requestsPerSecond: (sandbox.journal.count({ service: 'cincopa' }) - requests) / run.seconds, peakRssMb: run.peakRssMb };
    };
    const ping = `${sandbox.cincopa.url}/ping.json?api_token=${sandbox.cincopa.apiToken}`;
    const results = await alternate<FerryRun | Capacity>(
      options.rounds,
      [
        { name: 'ferry', run: (round) => fromUrl(current, 'now', round) },
        { name: 'previous', run: (round) => fromUrl(previous, 'prev', round) },
        { name: 'capacity', run: () => pingCapacity(root, ping, options.quick ? 1 : 3) },
      ],
      progress,
    );
    const ferry = results.ferry as FerryRun[];
    const before = results.previous as FerryRun[];
    const capacity = results.capacity as Capacity[];
    const pick = (list: FerryRun[], key: keyof FerryRun): number[] => list.map((entry) => entry[key]);
    const capacityRates = capacity.map((entry) => entry.requestsPerSecond);
    const rows: Row[] = [
      { figure: 'upload-from-URL items/s', ferry: num(median(pick(ferry, 'itemsPerSecond'))), reference: `${num(median(pick(before, 'itemsPerSecond')))} (previous release)`, ratio: ratio(median(pick(ferry, 'itemsPerSecond')), median(pick(before, 'itemsPerSecond'))), aim: '≥ 3×', rounds: perRound(pick(ferry, 'itemsPerSecond'), pick(before, 'itemsPerSecond')) },
      { figure: 'CPU ms per item (ferry process, all threads)', ferry: num(median(pick(ferry, 'cpuMsPerItem')), 2), reference: `${num(median(pick(before, 'cpuMsPerItem')), 2)} (previous release)`, ratio: ratio(median(pick(ferry, 'cpuMsPerItem')), median(pick(before, 'cpuMsPerItem'))), aim: '≤ 2 ms', rounds: perRound(pick(ferry, 'cpuMsPerItem'), pick(before, 'cpuMsPerItem'), 2) },
      { figure: 'Cincopa API requests/s during the run', ferry: num(median(pick(ferry, 'requestsPerSecond'))), reference: `${num(median(capacityRates))} (sandbox ping capacity)`, ratio: ratio(median(pick(ferry, 'requestsPerSecond')), median(capacityRates)), aim: '—', rounds: perRound(pick(ferry, 'requestsPerSecond'), capacityRates) },
      { figure: 'peak RSS MB', ferry: num(median(pick(ferry, 'peakRssMb'))), reference: `${num(median(pick(before, 'peakRssMb')))} (previous release)`, ratio: ratio(median(pick(ferry, 'peakRssMb')), median(pick(before, 'peakRssMb'))), aim: '—', rounds: perRound(pick(ferry, 'peakRssMb'), pick(before, 'peakRssMb')) },
    ];
    return {
      name: 'orchestration',
      title: 'Orchestration ceiling',
      method: [
        `\`ferry run\` of ${num(items)} upload-from-URL items (1 KiB generated sources, gallery on), concurrency ${CONCURRENCY}, first status poll after 20 ms, against an in-process sandbox with no latency and no processing time: the whole process, start-up included. This build beside ${previous.label} (\`--baseline\`; \`git archive\` + \`npm ci\` into \`bench/.baseline/\`, cached), both run the same job against the same sandbox, and beside the sandbox's capacity for ping (${capacity[0]!.tool}). ${options.rounds} alternating rounds; medians; per-round values are this build / the reference. CPU is the ferry process's own user + system time (\`process.resourceUsage()\` at exit).`,
      ],
      rows,
      memory: [
        { section: 'orchestration', process: `ferry run, ${num(items)} from-URL items`, peakRssMb: median(pick(ferry, 'peakRssMb')) },
        { section: 'orchestration', process: `previous release, same job (reference)`, peakRssMb: median(pick(before, 'peakRssMb')) },
      ],
    };
  } finally {
    await sandbox.close();
  }
};
