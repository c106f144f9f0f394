// End-to-end throughput of `ferry run` against the sandbox, printed beside references measured
// in the same run on the same machine:
//   API-bound: many small upload_from_url items (items/s, requests/s) vs the sandbox's own
//              capacity for simple requests (wrk against ping).
//   bytes-bound: direct upload of large local files (MB/s) vs curl POSTing the same files to
//              the same upload endpoint with the same parallelism.
// Peak RSS of the ferry process is printed too: memory is part of speed.
//
//   node bench/upload-throughput.ts [--items 2000] [--files 8] [--file-mb 48] [--concurrency 32]

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { items: { type: 'string', default: '2000' }, files: { type: 'string', default: '8' }, 'file-mb': { type: 'string', default: '48' }, concurrency: { type: 'string', default: '32' } } });
const ITEMS = Number(values.items);
const FILES = Number(values.files);
const FILE_BYTES = Number(values['file-mb']) * 1024 * 1024;
const CONCURRENCY = Number(values.concurrency);
const FERRY = path.resolve(import.meta.dirname, '../bin/ferry.js');

const work = mkdtempSync(path.join(tmpdir(), 'ferry-bench-'));
const sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 0 } });

try {
  const capacity = await sandboxCapacity(sandbox);
  const fromUrl = await ferryFromUrl(sandbox);
  const direct = await ferryDirect(sandbox);
  const curl = await curlDirect(sandbox);
  const rows = [
    ['sandbox capacity (wrk, ping, 32 conns)', `${capacity.toFixed(0)} req/s`, ''],
    [`ferry from_url, ${ITEMS} items, concurrency ${CONCURRENCY}`, `${fromUrl.itemsPerSecond.toFixed(0)} items/s = ${fromUrl.requestsPerSecond.toFixed(0)} req/s (${((fromUrl.requestsPerSecond / capacity) * 100).toFixed(0)}% of capacity)`, `${fromUrl.rssMb} MB`],
    [`curl, ${FILES} × ${FILE_BYTES / 1048576} MB, 4 at a time`, `${curl.toFixed(1)} MB/s`, ''],
    [`ferry direct, ${FILES} × ${FILE_BYTES / 1048576} MB, 8 MB chunks, 4 at a time`, `${direct.mbPerSecond.toFixed(1)} MB/s (${((direct.mbPerSecond / curl) * 100).toFixed(0)}% of curl)`, `${direct.rssMb} MB`],
  ];
  console.log(`\n${'case'.padEnd(58)}${'throughput'.padEnd(52)}peak RSS`);
  for (const [name, speed, rss] of rows) console.log(`${name!.padEnd(58)}${speed!.padEnd(52)}${rss}`);
} finally {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
}

async function sandboxCapacity(box: Sandbox): Promise<number> {
  const { stdout } = await run('wrk', ['-t1', '-c32', '-d3s', `${box.cincopa.url}/ping.json?api_token=${box.cincopa.apiToken}`]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
}

function writeJob(name: string, source: unknown, target: unknown, concurrency: number): { job: string; config: string } {
  const dir = path.join(work, name);
  const job = path.join(work, `${name}.json`);
  const config = path.join(work, `${name}.config.json`);
  writeFileSync(job, JSON.stringify({ name, source, target, runner: { concurrency } }));
  writeFileSync(config, JSON.stringify({ cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, pollIntervalMs: 20, chunkSizeBytes: 8 * 1024 * 1024 }, ledger: { dir } }));
  return { job, config };
}

/** Runs ferry under /usr/bin/time for its peak RSS; returns wall time in seconds. */
async function timeFerry(job: string, config: string): Promise<{ seconds: number; rssMb: number }> {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, FERRY, 'run', job, '--config', config, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`ferry exited ${code}: ${stderr}`);
  const rssKb = Number(stderr.trim().split('\n').at(-1));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMb: Math.round(rssKb / 1024) };
}

async function ferryFromUrl(box: Sandbox): Promise<{ itemsPerSecond: number; requestsPerSecond: number; rssMb: number }> {
  const csv = ['id,url', ...Array.from({ length: ITEMS }, (_, index) => `i${index},${box.origin.url}/gen/i${index}.mp4?size=1024`)].join('\n');
  writeFileSync(path.join(work, 'items.csv'), `${csv}\n`);
  const { job, config } = writeJob('fromurl', { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url' } }, { type: 'cincopa', mode: 'from_url', gallery: { name: 'bench' } }, CONCURRENCY);
  const before = box.journal.count({ service: 'cincopa' });
  const { seconds, rssMb } = await timeFerry(job, config);
  const requests = box.journal.count({ service: 'cincopa' }) - before;
  return { itemsPerSecond: ITEMS / seconds, requestsPerSecond: requests / seconds, rssMb };
}

async function makeFiles(folder: string): Promise<string[]> {
  const dir = path.join(work, folder);
  await run('mkdir', ['-p', dir]);
  const files: string[] = [];
  for (let index = 0; index < FILES; index++) {
    const file = path.join(dir, `clip-${index}.mp4`);
    await run('head', ['-c', String(FILE_BYTES), '/dev/urandom'], { encoding: 'buffer', maxBuffer: FILE_BYTES + 1 }).then(({ stdout }) => writeFileSync(file, stdout));
    files.push(file);
  }
  return files;
}

async function ferryDirect(_box: Sandbox): Promise<{ mbPerSecond: number; rssMb: number }> {
  await makeFiles('media');
  const { job, config } = writeJob('direct', { type: 'glob', root: 'media', include: ['*.mp4'] }, { type: 'cincopa', mode: 'direct' }, 4);
  const { seconds, rssMb } = await timeFerry(job, config);
  return { mbPerSecond: (FILES * FILE_BYTES) / 1048576 / seconds, rssMb };
}

async function curlDirect(box: Sandbox): Promise<number> {
  const files = await makeFiles('curl');
  const urls: string[] = [];
  for (let index = 0; index < files.length; index++) {
    const body = (await (await fetch(`${box.cincopa.url}/asset.get_upload_url.json?api_token=${box.cincopa.apiToken}`)).json()) as { upload_url: string };
    urls.push(body.upload_url);
  }
  const started = process.hrtime.bigint();
  const queue = files.map((file, index) => [file, urls[index]!] as const);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [file, url] = next;
        await run('curl', ['-sS', '-o', '/dev/null', '-X', 'POST', '--data-binary', `@${file}`, '-H', 'Content-Type: multipart/form-data', '-H', `Content-Range: bytes 0-${FILE_BYTES}/${FILE_BYTES}`, '-H', `unique-id: curl-${path.basename(file)}`, '-H', `X-FILE-NAME: ${path.basename(file)}`, url]);
      }
    }),
  );
  return (FILES * FILE_BYTES) / 1048576 / (Number(process.hrtime.bigint() - started) / 1e9);
}
