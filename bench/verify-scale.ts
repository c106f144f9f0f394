// `ferry verify` over a large destination: the emulated Cincopa holds N assets of one job
// (created in-process; uploading them over HTTP would measure nothing more), the job's ledger
// holds N done items, and `ferry verify` lists the whole library page by page and streams the
// ledger against it. Prints its time, calls and peak RSS beside the reference: the same pages
// fetched by a bare loop in this process.
//
//   node bench/verify-scale.ts [--assets 100000]

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { encodePlanBatch } from '../src/ledger/planBatch.ts';
import { openSqliteLedger } from '../src/ledger/sqlite/store.ts';
import { startCincopaSandbox } from '../src/sandbox/cincopa/server.ts';
import { Faults } from '../src/sandbox/faults.ts';
import { Journal } from '../src/sandbox/journal.ts';
import { referenceId } from '../src/targets/cincopa/referenceId.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { assets: { type: 'string', default: '100000' } } });
const ASSETS = Number(values.assets);
const JOB = 'scale';
const FERRY = path.resolve(import.meta.dirname, '../bin/ferry.js');
const work = mkdtempSync(path.join(tmpdir(), 'ferry-verify-bench-'));
const journal = new Journal();
const sandbox = await startCincopaSandbox({ host: '127.0.0.1', port: 0, journal, faults: new Faults() });

try {
  console.log(`seeding ${ASSETS} assets and ${ASSETS} done ledger items...`);
  mkdirSync(path.join(work, '.ferry'));
  const store = openSqliteLedger(path.join(work, '.ferry', `${JOB}.sqlite`));
  await store.migrate();
  const generation = await store.beginPlan();
  for (let start = 0; start < ASSETS; start += 5_000) {
    const items = [];
    for (let index = start; index < Math.min(ASSETS, start + 5_000); index++) {
      const key = `clip-${String(index).padStart(6, '0')}.mp4`;
      const asset = sandbox.state.createAsset({ filename: key, filesize: 1_000 + index, md5: '0'.repeat(32), source: 'url' });
      sandbox.state.setReference(asset, referenceId(JOB, key, 0));
      items.push({ key, source: `https://cdn.example/${key}`, fields: {}, size: null, mtimeMs: null, origin: `bench:${index}`, rid: asset.rid });
    }
    await store.upsertPlanned(generation, encodePlanBatch(items), 'reupload');
    for (const item of items) await store.amend(item.key, { state: 'done', remote: { rid: item.rid }, finishedAt: Date.now() });
  }
  await store.close();
  writeFileSync(path.join(work, `${JOB}.json`), JSON.stringify({ name: JOB, source: { type: 'csv', path: 'none.csv', columns: { source: 'url' } }, target: { type: 'cincopa', mode: 'from_url' } }));
  writeFileSync(path.join(work, 'config.json'), JSON.stringify({ cincopa: { apiUrl: sandbox.url, apiToken: sandbox.apiToken } }));

  const rawStarted = performance.now();
  let rawPages = 0;
  for (let page = 1; ; page++) {
    const body = (await (await fetch(`${sandbox.url}/asset.list.json?api_token=${sandbox.apiToken}&page=${page}&items_per_page=100`)).json()) as { items_data: { pages_count: number } };
    rawPages++;
    if (page >= body.items_data.pages_count) break;
  }
  const rawSeconds = (performance.now() - rawStarted) / 1000;

  journal.clear();
  const started = performance.now();
  const result = await run('/usr/bin/time', ['-f', '%M', process.execPath, FERRY, 'verify', path.join(work, `${JOB}.json`), '--config', path.join(work, 'config.json'), '--json'], { maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  const rssMb = Math.round(Number(result.stderr.trim().split('\n').at(-1)) / 1024);
  const summary = JSON.parse(result.stdout) as { clean: boolean; objectsSeen: number; itemsInLedger: number };
  console.log(`\n${'case'.padEnd(56)}${'time'.padEnd(10)}${'calls'.padEnd(9)}peak RSS`);
  console.log(`${`raw asset.list loop, ${rawPages} pages of 100 (reference)`.padEnd(56)}${`${rawSeconds.toFixed(1)} s`.padEnd(10)}${String(rawPages).padEnd(9)}`);
  console.log(`${`ferry verify: ${summary.objectsSeen} assets, ${summary.itemsInLedger} ledger items`.padEnd(56)}${`${seconds.toFixed(1)} s`.padEnd(10)}${String(journal.count()).padEnd(9)}${rssMb} MB`);
  console.log(`clean: ${summary.clean}`);
} finally {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
}
