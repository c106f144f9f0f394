// Planning at scale: a generated 1,000,000-row CSV manifest planned into a fresh ledger by
// `ferry run --plan-only`, beside csv-parse alone reading the same file, in the same run; then
// a re-plan of the unchanged manifest (the nightly case) and `ferry status` on the result.
// Every measurement is its own process, so each peak RSS is that process's own, threads included.
// Rounds alternate raw / ferry so machine noise hits both alike; medians are printed.
// The ledger is a SQLite file, or with --store a PostgreSQL database created on that server for
// each round (a fresh ledger, as the SQLite file is) and dropped after it.
//
//   node bench/plan-million.ts [--rows 1000000] [--rounds 3] [--store postgres://postgres@127.0.0.1:5432/postgres]
// Issue 4's bar: planning >= 0.5x raw csv-parse throughput, peak RSS <= 200 MB, status < 1 s.
// Informational: never run in CI, never a pass/fail gate.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '3' }, store: { type: 'string' } } });
const STORE = values.store;
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const manifest = path.join(out, `manifest-${ROWS}.csv`);
const jobFile = path.join(out, `plan-${ROWS}.json`);
const ledger = path.join(out, '.ferry', `bench-plan-${ROWS}.sqlite`);

if (!existsSync(manifest)) await generate(manifest, ROWS);
writeFileSync(
  jobFile,
  JSON.stringify({
    name: `bench-plan-${ROWS}`,
    source: { type: 'csv', path: path.basename(manifest), columns: { key: 'id', source: 'url', title: 'title', tags: 'tags' } },
    target: { type: 'cincopa', mode: 'from_url', gallery: { name: 'bench' } },
  }),
);

interface Measured {
  seconds: number;
  peakMb: number;
  stdout: string;
  stderr: string;
}

const results = { raw: [] as Measured[], plan: [] as Measured[], replan: [] as Measured[], status: [] as Measured[] };
for (let round = 1; round <= ROUNDS; round++) {
  const raw = await measure(['bench/raw-csv-parse.ts', manifest]);
  results.raw.push({ ...raw, seconds: (JSON.parse(raw.stdout) as { seconds: number }).seconds });
  for (const suffix of ['', '-wal', '-shm']) rmSync(ledger + suffix, { force: true });
  const database = STORE ? await createDatabase(STORE) : undefined;
  const ledgerArgs = database ? ['--ledger', database.url] : [];
  try {
    results.plan.push(planSeconds(await measure(['bin/ferry.js', 'run', jobFile, '--plan-only', ...ledgerArgs])));
    results.replan.push(planSeconds(await measure(['bin/ferry.js', 'run', jobFile, '--plan-only', ...ledgerArgs])));
    results.status.push(await measure(['bin/ferry.js', 'status', jobFile, ...ledgerArgs]));
  } finally {
    await database?.drop();
  }
  const last = (list: Measured[]): string => `${list.at(-1)!.seconds.toFixed(2)} s / ${list.at(-1)!.peakMb} MB`;
  console.log(`round ${round}: raw ${last(results.raw)}, plan ${last(results.plan)}, re-plan ${last(results.replan)}, status ${last(results.status)}`);
}

const median = (list: Measured[], pick: (entry: Measured) => number): number => {
  const sorted = list.map(pick).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const rawSeconds = median(results.raw, (entry) => entry.seconds);
const row = (label: string, list: Measured[], withRate = true): string => {
  const seconds = median(list, (entry) => entry.seconds);
  const rate = withRate ? `${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s` : '';
  const ratio = withRate && list !== results.raw ? `${(rawSeconds / seconds).toFixed(2)}x raw` : '';
  return `${label.padEnd(38)}${rate.padEnd(18)}${`${seconds.toFixed(2)} s`.padEnd(10)}${`peak RSS ${median(list, (entry) => entry.peakMb)} MB`.padEnd(20)}${ratio}`;
};
console.log(`\nmanifest: ${ROWS.toLocaleString('en-US')} rows, ${(statSync(manifest).size / 1048576).toFixed(0)} MB; ledger: ${STORE ? 'PostgreSQL' : 'SQLite'}; medians of ${ROUNDS} rounds`);
console.log(row('raw csv-parse (count rows)', results.raw));
console.log(row('ferry run --plan-only (first plan)', results.plan));
console.log(row('ferry run --plan-only (re-plan)', results.replan));
console.log(row('ferry status (whole command)', results.status, false));
console.log(results.status.at(-1)!.stdout.trim());

/** Runs one process (node + args, from the project root) and returns its wall time and peak RSS. */
async function measure(args: string[]): Promise<Measured> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', path.join(root, 'bench', 'peak-rss.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number];
  const seconds = (performance.now() - started) / 1000;
  const peak = /PEAK_RSS_KB (\d+)/.exec(stderr);
  if (code !== 0 || !peak) throw new Error(`${args.join(' ')} failed (exit ${code}): ${stderr}`);
  return { seconds, peakMb: Math.round(Number(peak[1]) / 1024), stdout, stderr };
}

/** ferry's own timing of the planning (its "planned" log line), not the process's start-up. */
function planSeconds(measured: Measured): Measured {
  for (const line of measured.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; ms?: number };
    if (entry.msg === 'planned' && typeof entry.ms === 'number') return { ...measured, seconds: entry.ms / 1000 };
  }
  throw new Error(`no "planned" log line in: ${measured.stderr}`);
}

/** A fresh database on the server of `serverUrl`, for one round's ledger. */
async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ferry_bench_plan_${randomBytes(4).toString('hex')}`;
  const onServer = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function generate(file: string, rows: number): Promise<void> {
  const stream = createWriteStream(file);
  stream.write('id,url,title,tags\n');
  for (let index = 0; index < rows; index++) {
    const line = `v${index},https://cdn.example.com/videos/${index % 997}/clip-${index}.mp4,"Clip ${index}, take ${index % 7}","archive,batch-${index % 50}"\n`;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}
