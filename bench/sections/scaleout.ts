// Scale-out: items/s with 1, 2 and 4 ferry workers sharing a PostgreSQL ledger. The fleet
// benchmark itself is bench/fleet.ts (its own branch); this section runs it when the build has
// it — `node bench/fleet.ts --json` prints one line
//   {"section":"scale-out","rows":[{"workers":1,"itemsPerSec":…,"peakRssMb":…},…]}
// — and tabulates it, each worker count beside one worker.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { measure } from '../lib/child.ts';
import type { Section } from '../lib/context.ts';
import { num, ratio, type Row } from '../lib/table.ts';

interface FleetRow {
  workers: number;
  itemsPerSec: number;
  peakRssMb: number;
}

export const scaleout: Section = async ({ root, progress }) => {
  const script = path.join(root, 'bench', 'fleet.ts');
  if (!existsSync(script)) {
    return { name: 'scaleout', title: 'Scale-out', method: ['Not available in this build: bench/fleet.ts (PostgreSQL workers) is not part of it.'], rows: [], memory: [] };
  }
  // Two regimes: workers that wait on the platform (few items in flight each, 50 ms per call), where
  // adding workers should add throughput until something saturates; and workers with many items
  // in flight each, where on a small machine the CPU it shares with the sandbox and PostgreSQL
  // is the ceiling whatever the count.
  const regimes = [
    { label: 'latency-bound (concurrency 4 per worker, 600 items)', args: ['--items', '600', '--concurrency', '4'] },
    { label: 'busy (concurrency 16 per worker, 1,200 items)', args: ['--items', '1200', '--concurrency', '16'] },
  ];
  const rows: Row[] = [];
  const memory: { section: string; process: string; peakRssMb: number }[] = [];
  for (const regime of regimes) {
    progress(`node bench/fleet.ts --json ${regime.args.join(' ')}`);
    const { stdout } = await measure(process.execPath, [script, '--json', '--latency-ms', '50', ...regime.args], { cwd: root });
    const line = stdout.split('\n').find((entry) => entry.includes('"section":"scale-out"'));
    if (!line) throw new Error(`bench/fleet.ts printed no scale-out line: ${stdout.slice(-2000)}`);
    const fleet = (JSON.parse(line) as { rows: FleetRow[] }).rows;
    const one = fleet.find((entry) => entry.workers === 1);
    for (const entry of fleet) {
      rows.push({
        figure: `${regime.label}: items/s with ${entry.workers} worker${entry.workers === 1 ? '' : 's'}`,
        ferry: num(entry.itemsPerSec, 1),
        reference: one ? `${num(one.itemsPerSec, 1)} (1 worker)` : '—',
        ratio: one ? ratio(entry.itemsPerSec, one.itemsPerSec) : 'n/a',
        aim: `≈ ${entry.workers}× (while nothing saturates)`,
        rounds: 'as bench/fleet.ts reports',
      });
      memory.push({ section: 'scaleout', process: `ferry worker, ${entry.workers} at once, ${regime.label.split(' (')[0]} (peak of one)`, peakRssMb: entry.peakRssMb });
    }
  }
  return {
    name: 'scaleout',
    title: 'Scale-out',
    method: [
      '`node bench/fleet.ts --json --latency-ms 50 …`: N `ferry work` processes on one PostgreSQL ledger and one from-URL job, against the sandbox with 50 ms on every Cincopa call; items/s from the ledger (first start to last finish). Two regimes: latency-bound workers (concurrency 4 each), where workers should add up while nothing saturates, and busy workers (concurrency 16 each), where on a 2-core machine the CPU shared by the workers, the sandbox and PostgreSQL is the ceiling. Ratios are against one worker of the same regime.',
    ],
    rows,
    memory,
  };
};
