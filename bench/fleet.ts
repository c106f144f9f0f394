// Scale-out: items per second of 1, 2 and 4 `ferry work` processes sharing one PostgreSQL
// ledger on one job, against the sandbox with a fixed latency on every Cincopa call (the issue's
// figure: 5,000 items, 50 ms per call), no request limit, so the workers set the pace as long as
// the sandbox is not saturated. Each worker count gets a fresh database (dropped afterwards) and
// a fresh job; the job is planned by `ferry run --plan-only --store`, then the workers are
// started together and run until the job is finished (--exit-when-idle).
//
// items/s is measured from the ledger (first item started to last item finished, the database's
// clock), so process start-up is not counted; peak RSS is the largest of the workers' own peaks.
//
//   node bench/fleet.ts [--items 5000] [--latency-ms 50] [--workers 1,2,4] [--concurrency 16] [--json]
//
// --json prints one line {"section":"scale-out","rows":[{"workers":1,"itemsPerSec":…,"peakRssMb":…},…]}
// (for a bench runner); the text table goes to stderr then. PostgreSQL: FERRY_BENCH_PG, else
// FERRY_TEST_PG, else postgres://postgres@127.0.0.1:5432/postgres.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { createScratchDatabase } from './lib/scratchDatabase.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '5000' },
    'latency-ms': { type: 'string', default: '50' },
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
  },
});
const ITEMS = Number(values.items);
const LATENCY_MS = Number(values['latency-ms']);
const WORKER_COUNTS = values.workers.split(',').map(Number);
const CONCURRENCY = Number(values.concurrency);
const FERRY = path.resolve(import.meta.dirname, '../bin/ferry.js');
const USAGE_PROBE = path.resolve(import.meta.dirname, 'lib', 'usage-probe.js');
const SERVER = process.env.FERRY_BENCH_PG ?? process.env.FERRY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const out = (line: string): boolean => (values.json ? process.stderr : process.stdout).write(`${line}\n`);

interface Row {
  workers: number;
  itemsPerSec: number;
  peakRssMb: number;
  seconds: number;
  requests: number;
}

const sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 20 }, faults: [{ service: 'cincopa', kind: 'latency', latencyMs: LATENCY_MS }] });
const rows: Row[] = [];
try {
  out(`ferry work scale-out: ${ITEMS} items, ${LATENCY_MS} ms per Cincopa call, concurrency ${CONCURRENCY} per worker, no request limit`);
  for (const workers of WORKER_COUNTS) {
    rows.push(await measure(sandbox, workers));
    const row = rows.at(-1)!;
    out(`  ${String(workers).padStart(2)} worker(s): ${row.itemsPerSec.toFixed(1).padStart(7)} items/s  (${row.seconds.toFixed(1)} s, ${(row.requests / row.seconds).toFixed(0)} req/s at the sandbox)  peak RSS ${row.peakRssMb} MB per worker`);
  }
  const base = rows[0]!;
  for (const row of rows.slice(1)) out(`  ${row.workers} workers: ${(row.itemsPerSec / base.itemsPerSec).toFixed(2)}× the items/s of ${base.workers}`);
  if (values.json) process.stdout.write(`${JSON.stringify({ section: 'scale-out', rows: rows.map(({ workers, itemsPerSec, peakRssMb }) => ({ workers, itemsPerSec: Number(itemsPerSec.toFixed(1)), peakRssMb })) })}\n`);
} finally {
  await sandbox.close();
}

async function measure(box: Sandbox, workers: number): Promise<Row> {
  const scratch = await createScratchDatabase(SERVER, 'ferry_bench');
  const store = scratch.url;
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-bench-fleet-'));
  try {
    const name = `scale${workers}`;
    const lines = ['id,url,title', ...Array.from({ length: ITEMS }, (_, i) => `v${i},${box.origin.url}/gen/${name}-${i}.mp4?size=${4096 + i},Clip ${i}`)];
    writeFileSync(path.join(dir, 'items.csv'), `${lines.join('\n')}\n`);
    const jobFile = path.join(dir, `${name}.json`);
    writeFileSync(jobFile, JSON.stringify({ name, source: { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url', title: 'title' } }, target: { type: 'cincopa', mode: 'from_url', gallery: { name: `bench ${name}` } } }));
    const configFile = path.join(dir, 'ferry.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ cincopa: { apiUrl: box.cincopa.url, apiToken: box.cincopa.apiToken, pollIntervalMs: 100, pollMaxIntervalMs: 500 }, runner: { concurrency: CONCURRENCY, progressIntervalMs: 10_000 }, log: { level: 'warn' } }),
    );
    const plan = await ferry(['run', jobFile, '--config', configFile, '--store', store, '--plan-only']);
    if (plan.code !== 0) throw new Error(`planning failed:\n${plan.stderr}`);
    box.journal.clear();
    const results = await Promise.all(Array.from({ length: workers }, () => ferry(['work', '--store', store, '--config', configFile, '--exit-when-idle'], true)));
    const failed = results.find((result) => result.code !== 0);
    if (failed) throw new Error(`a worker exited ${failed.code}:\n${failed.stderr.slice(-2000)}`);
    const span = await onDatabase(store, (client) =>
      client.query<{ done: number; ms: number }>(`SELECT count(*) FILTER (WHERE state = 'done')::int AS done, (max(finished_at) - min(started_at))::float8 AS ms FROM ferry.items`),
    );
    const { done, ms } = span.rows[0]!;
    if (done !== ITEMS) throw new Error(`${done} of ${ITEMS} items done`);
    const seconds = ms / 1000;
    return { workers, itemsPerSec: ITEMS / seconds, seconds, peakRssMb: Math.max(...results.map((result) => result.peakRssMb)), requests: box.journal.count({ service: 'cincopa' }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await scratch.drop();
  }
}

function ferry(args: string[], measureRss = false): Promise<{ code: number | null; stderr: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    for (const key of ['CINCOPA_API_TOKEN', 'CINTOO_REFRESH_TOKEN', 'FERRY_CONFIG', 'NODE_OPTIONS']) delete env[key];
    const child = spawn(process.execPath, [...(measureRss ? ['--import', USAGE_PROBE] : []), FERRY, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const kb = (JSON.parse(/BENCH_USAGE (\{.*\})/.exec(stderr)?.[1] ?? '{"maxRssKb":0}') as { maxRssKb: number }).maxRssKb;
      resolve({ code, stderr, peakRssMb: Math.round(kb / 1024) });
    });
  });
}

async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
