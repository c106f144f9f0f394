// Latency hiding: every Cincopa API call answers 100 ms late and every fetch takes 2 s to
// process; with concurrency 64, how close does ferry come to Little's law's bound
// (concurrency ÷ the time one item must wait)? The bound is the reference: a client that wasted
// nothing between an item's unavoidable waits would reach it.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../../src/sandbox/index.ts';
import type { Section } from '../lib/context.ts';
import { runFerry, writeJob } from '../lib/ferry.ts';
import { alternate, median } from '../lib/rounds.ts';
import { num, perRound, ratio } from '../lib/table.ts';

const LATENCY_MS = 100;
const PROCESSING_MS = 2000;
const CONCURRENCY = 64;
/** Unavoidable per item: the submit's round trip, the processing, the one status poll that finds it done. */
const ITEM_MS = LATENCY_MS + PROCESSING_MS + LATENCY_MS;

export const latency: Section = async ({ options, work, current, progress }) => {
  const bound = CONCURRENCY / (ITEM_MS / 1000);
  // Enough items for ~30 s at the bound: start-up and the last items' drain stay small beside it.
  const items = Math.round((options.quick ? 8 : 30) * bound);
  const results = await alternate(
    options.rounds,
    [
      {
        name: 'ferry',
        run: async (round: number) => {
          // A fresh sandbox per round: no assets or galleries left over from the round before.
          const sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: PROCESSING_MS }, faults: [{ service: 'cincopa', kind: 'latency', latencyMs: LATENCY_MS }] });
          try {
            const manifest = path.join(work, 'items.csv');
            writeFileSync(manifest, `id,url\n${Array.from({ length: items }, (_, index) => `i${index},${sandbox.origin.url}/gen/i${index}.mp4?size=1024\n`).join('')}`);
            const name = `latency-${round}`;
            const files = writeJob(path.join(work, name), name, { source: { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, target: { type: 'cincopa', mode: 'from_url', gallery: { name } }, runner: { concurrency: CONCURRENCY } }, { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken } });
            const run = await runFerry(current, files);
            const submitted = sandbox.journal.count({ service: 'cincopa', route: 'asset.upload_from_url' });
            if (submitted !== items) throw new Error(`ferry submitted ${submitted} upload_from_url for ${items} items`);
            return { itemsPerSecond: items / run.seconds, peakRssMb: run.peakRssMb, callsPerItem: sandbox.journal.count({ service: 'cincopa' }) / items };
          } finally {
            await sandbox.close();
          }
        },
      },
    ],
    progress,
  );
  const ferry = results.ferry!;
  const rates = ferry.map((entry) => entry.itemsPerSecond);
  return {
    name: 'latency',
    title: 'Latency hiding',
    method: [
      `\`ferry run\` of ${num(items)} upload-from-URL items with ferry's default polling, concurrency ${CONCURRENCY}, against a sandbox whose every Cincopa API call answers ${LATENCY_MS} ms late (a latency fault on all routes) and whose fetches take ${PROCESSING_MS / 1000} s to process; items/s over the whole process (start-up and drain included). A fresh sandbox per round.`,
      `Reference: Little's law, concurrency ÷ per-item time = ${CONCURRENCY} ÷ ${(ITEM_MS / 1000).toFixed(1)} s = ${num(bound, 1)} items/s, where the per-item time is the waits no client can avoid: the submit's round trip (${LATENCY_MS} ms), the processing (${PROCESSING_MS} ms) and the one status call that finds the asset done (${LATENCY_MS} ms). Look-ups, metadata and gallery calls are ferry's own choices and count against it. ${options.rounds} rounds; medians.`,
      "ferry's `concurrency` bounds the calls in flight (see the runner settings), not the items: an item waiting for Cincopa's processing holds no slot, so ferry can pass this bound, and a ratio above 1 says the waits are hidden, not that the measurement is wrong. The items in flight on average (Little's law read the other way: items/s × per-item time) show how far.",
    ],
    rows: [
      { figure: 'items/s', ferry: num(median(rates), 1), reference: `${num(bound, 1)} (Little's-law bound)`, ratio: ratio(median(rates), bound), aim: '≥ 0.9', rounds: perRound(rates, undefined, 1) },
      { figure: 'items in flight on average (items/s × per-item time)', ferry: num((median(rates) * ITEM_MS) / 1000, 0), reference: `${CONCURRENCY} (concurrency)`, ratio: ratio((median(rates) * ITEM_MS) / 1000, CONCURRENCY), aim: '—', rounds: perRound(rates.map((rate) => (rate * ITEM_MS) / 1000), undefined, 0) },
      { figure: 'Cincopa API calls per item', ferry: num(median(ferry.map((entry) => entry.callsPerItem)), 2), reference: '—', ratio: '—', aim: '—', rounds: perRound(ferry.map((entry) => entry.callsPerItem), undefined, 2) },
    ],
    memory: [{ section: 'latency', process: `ferry run, ${num(items)} from-URL items at ${LATENCY_MS} ms latency`, peakRssMb: median(ferry.map((entry) => entry.peakRssMb)) }],
  };
};
