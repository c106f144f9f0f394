// Claiming at scale: a PostgreSQL ledger holding 10,000,000 items of one job (written straight
// by SQL, INSERT … SELECT generate_series, not through the planner), then the latency of claiming
// 64 items: one worker alone, then several workers (each with its own pool, as on separate
// machines) claiming at once while the items they hold pile up in flight. The database is
// created for the run and dropped at the end.
//
//   node bench/claim-scale.ts [--items 10000000] [--claims 300] [--workers 4] [--store postgres://postgres@127.0.0.1:5432/postgres]
// Informational: never run in CI, never a pass/fail gate.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { openLedger } from '../src/ledger/open.ts';
import type { LedgerStore } from '../src/ledger/types.ts';
import { createScratchDatabase } from './lib/scratchDatabase.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '10000000' },
    claims: { type: 'string', default: '300' },
    workers: { type: 'string', default: '4' },
    store: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const ITEMS = Number(values.items);
const CLAIMS = Number(values.claims);
const WORKERS = Number(values.workers);
const BATCH = 64;
const LEASE_MS = 10 * 60_000;
const JOB = 'bench-claim';

const scratch = await createScratchDatabase(values.store, 'ferry_bench_claim');
const url = new URL(scratch.url);
const stores: LedgerStore[] = [];
try {
  const first = await openLedger(url.toString(), { job: JOB, poolSize: 2 });
  stores.push(first);
  await first.migrate();
  await fill(url.toString());

  const alone = await timeClaims(first, 'alone', CLAIMS);
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const store = await openLedger(url.toString(), { job: JOB, poolSize: 2 });
      stores.push(store);
      await store.migrate();
      return store;
    }),
  );
  const started = performance.now();
  const together = (await Promise.all(workers.map((store, index) => timeClaims(store, `w${index}`, CLAIMS)))).flat();
  const seconds = (performance.now() - started) / 1000;
  const timed = async (label: string, work: () => Promise<unknown>): Promise<string> => {
    const at = performance.now();
    await work();
    return `${label} ${(performance.now() - at).toFixed(1)} ms`;
  };
  const extras = [await timed('nextWakeAt', () => first.nextWakeAt()), await timed('stats (status)', () => first.stats())];

  console.log(`\nPostgreSQL ledger, ${ITEMS.toLocaleString('en-US')} items of one job; claims of ${BATCH} items, lease ${LEASE_MS / 60_000} min`);
  console.log(describe(`one worker, ${CLAIMS} claims in a row`, alone));
  console.log(describe(`${WORKERS} workers at once, ${CLAIMS} claims each (${Math.round((WORKERS * CLAIMS) / seconds)} claims/s, ${Math.round((WORKERS * CLAIMS * BATCH) / seconds).toLocaleString('en-US')} items/s)`, together));
  console.log(`in flight at the end: ${((1 + WORKERS) * CLAIMS * BATCH).toLocaleString('en-US')} items; ${extras.join('; ')}`);
} finally {
  await Promise.all(stores.map((store) => store.close()));
  await scratch.drop();
}

/** The items, written by SQL in chunks; the secondary indexes are built once at the end, as the schema defines them. */
async function fill(database: string): Promise<void> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('SET synchronous_commit = off');
    await client.query(`SET maintenance_work_mem = '512MB'`);
    const indexes = (await client.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'ferry' AND tablename = 'items' AND indexname <> 'items_pkey'`)).rows;
    for (const index of indexes) await client.query(`DROP INDEX ferry.${index.indexname}`);
    const { rows } = await client.query<{ id: number }>('SELECT id FROM ferry.jobs WHERE name = $1', [JOB]);
    const jobId = rows[0]!.id;
    const chunk = 1_000_000;
    for (let from = 1; from <= ITEMS; from += chunk) {
      const to = Math.min(ITEMS, from + chunk - 1);
      await client.query(
        `INSERT INTO ferry.items (job_id, key, source, fields, origin, state, created_at, updated_at, plan_generation)
         SELECT $1, 'item-' || lpad(g::text, 9, '0'), 'https://cdn.example.com/videos/' || (g % 997) || '/clip-' || g || '.mp4',
           '{"title":"Clip ' || g || '","tags":"archive,batch-' || (g % 50) || '"}', 'manifest.csv:' || (g + 1), 'pending', 0, 0, 1
         FROM generate_series($2::bigint, $3::bigint) AS g`,
        [jobId, from, to],
      );
      process.stdout.write(`\rwritten ${to.toLocaleString('en-US')} items in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    for (const index of indexes) await client.query(index.indexdef);
    await client.query('VACUUM ANALYZE ferry.items');
    const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('ferry.items')) AS size`);
    console.log(`; indexes built, vacuumed: ${((performance.now() - started) / 1000).toFixed(0)} s, ${size.rows[0]!.size}`);
  } finally {
    await client.end();
  }
}

async function timeClaims(store: LedgerStore, owner: string, claims: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let round = 0; round < claims; round++) {
    const started = performance.now();
    const claimed = await store.claim(owner, BATCH, LEASE_MS);
    latencies.push(performance.now() - started);
    if (claimed.length !== BATCH) throw new Error(`claimed ${claimed.length} items, expected ${BATCH}`);
  }
  return latencies;
}

function describe(label: string, latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (fraction: number): string => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!.toFixed(1);
  return `${label}:\n  claim latency ms: median ${at(0.5)}, p95 ${at(0.95)}, p99 ${at(0.99)}, max ${sorted.at(-1)!.toFixed(1)}`;
}
