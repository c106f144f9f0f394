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
  progress('node bench/fleet.ts --json');
  const { stdout } = await measure(process.execPath, [script, '--json'], { cwd: root });
  const line = stdout.split('\n').find((entry) => entry.includes('"section":"scale-out"'));
  if (!line) throw new Error(`bench/fleet.ts printed no scale-out line: ${stdout.slice(-2000)}`);
  const fleet = (JSON.parse(line) as { rows: FleetRow[] }).rows;
  const one = fleet.find((entry) => entry.workers === 1);
  const rows: Row[] = fleet.map((entry) => ({
    figure: `items/s with ${entry.workers} worker${entry.workers === 1 ? '' : 's'}`,
    ferry: num(entry.itemsPerSec, 1),
    reference: one ? `${num(one.itemsPerSec, 1)} (1 worker)` : '—',
    ratio: one ? ratio(entry.itemsPerSec, one.itemsPerSec) : 'n/a',
    aim: `≈ ${entry.workers}× (while the platform keeps up)`,
    rounds: "as bench/fleet.ts reports",
  }));
  return {
    name: 'scaleout',
    title: 'Scale-out',
    method: ['`node bench/fleet.ts --json`: N ferry workers on one PostgreSQL ledger, one job; see that script for its job, sandbox and rounds. Ratios are against one worker from the same invocation.'],
    rows,
    memory: fleet.map((entry) => ({ section: 'scaleout', process: `ferry worker, ${entry.workers} at once (peak of one)`, peakRssMb: entry.peakRssMb })),
  };
};
