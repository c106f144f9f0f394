// Planning at scale: a generated 1,000,000-row CSV manifest planned into a fresh SQLite
// ledger, printed beside raw csv-parse throughput on the same file in the same run, with the
// process's peak RSS and how long `ferry status` takes on the result.
//
//   node --expose-gc bench/plan-million.ts [--rows 1000000]
// Bar (issue 4): planning >= 0.5x raw csv-parse, peak RSS <= 200 MB, status < 1 s.

import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { openSqliteLedger } from '../src/ledger/sqlite/store.ts';
import { planManifest } from '../src/plan/planner.ts';
import { formatStatus } from '../src/report/status.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(values.rows);
const out = path.resolve(import.meta.dirname, 'out');
mkdirSync(out, { recursive: true });
const manifest = path.join(out, `manifest-${ROWS}.csv`);

if (!existsSync(manifest)) await generate(manifest, ROWS);
const megabytes = statSync(manifest).size / 1048576;

// Peak RSS is sampled, so each phase reports its own peak rather than the process's lifetime one.
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
const phasePeak = (): number => {
  const value = Math.max(peak, process.memoryUsage().rss);
  peak = 0;
  return Math.round(value / 1048576);
};

const rawStarted = performance.now();
let rawRows = 0;
for await (const _record of createReadStream(manifest).pipe(parse({ bom: true, from_line: 2 }))) rawRows++;
const rawSeconds = (performance.now() - rawStarted) / 1000;
const rawPeak = phasePeak();

const ledgerFile = path.join(out, `plan-${ROWS}.sqlite`);
for (const suffix of ['', '-wal', '-shm']) rmSync(ledgerFile + suffix, { force: true });
const store = openSqliteLedger(ledgerFile);
await store.migrate();
const planStarted = performance.now();
const counts = await planManifest(store, ({ type: 'csv', path: manifest, columns: { key: 'id', source: 'url', title: 'title', tags: 'tags' } }), { policy: 'reupload' });
const planSeconds = (performance.now() - planStarted) / 1000;
const planPeak = phasePeak();

const statusStarted = performance.now();
const stats = await store.stats();
const statusMs = performance.now() - statusStarted;
const text = formatStatus(stats, 'bench');
await store.close();

const replanStore = openSqliteLedger(ledgerFile);
const replanStarted = performance.now();
const replanned = await planManifest(replanStore, ({ type: 'csv', path: manifest, columns: { key: 'id', source: 'url', title: 'title', tags: 'tags' } }), { policy: 'reupload' });
const replanSeconds = (performance.now() - replanStarted) / 1000;
const replanPeak = phasePeak();
await replanStore.close();
clearInterval(sampler);

const rate = (rows: number, seconds: number): string => `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
console.log(`manifest: ${ROWS.toLocaleString('en-US')} rows, ${megabytes.toFixed(0)} MB`);
console.log(`${'raw csv-parse (count rows)'.padEnd(40)}${rate(rawRows, rawSeconds).padEnd(22)}${rawSeconds.toFixed(1)} s   peak RSS ${rawPeak} MB`);
console.log(`${'ferry plan into SQLite (first run)'.padEnd(40)}${rate(ROWS, planSeconds).padEnd(22)}${planSeconds.toFixed(1)} s   peak RSS ${planPeak} MB   ${(rawSeconds / planSeconds).toFixed(2)}x raw`);
console.log(`${'ferry re-plan, nothing changed'.padEnd(40)}${rate(ROWS, replanSeconds).padEnd(22)}${replanSeconds.toFixed(1)} s   peak RSS ${replanPeak} MB   ${(rawSeconds / replanSeconds).toFixed(2)}x raw`);
console.log(`ferry status on the ledger: ${statusMs.toFixed(0)} ms`);
console.log(`planned: ${JSON.stringify(counts)}; re-planned: ${JSON.stringify(replanned)}`);
console.log(text);

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
