// Upload throughput to the Cintoo sandbox's storage (Azurite behind the sandbox's storage proxy),
// ferry beside the tools people would otherwise script around Cintoo's API, on the same files
// in the same run:
//   ferry   `ferry run` of a folder job: hash (MD5), sign, upload (Put Blob up to 256 MiB, blocks
//           above), register — the whole job, start-up included — and its peak RSS;
//   curl    one Put Blob per file with the signed URLs (signed, and MD5s computed, before the
//           clock starts), as many at once as ferry's concurrency;
//   rclone  `rclone copy` with the azureblob backend and a container SAS URL (its defaults:
//           4 MiB chunks, 16 per file; --transfers as ferry's concurrency).
// Each tool gets a fresh sandbox with storage on disk, removed afterwards. The files are
// generated (seeded, streamed: never held in memory) and stay in the page cache for all three.
//
//   node bench/cintoo-upload.ts [--small 20] [--small-mb 100] [--big 2] [--big-mb 2048] [--concurrency 4] [--rounds 1]
//                               [--ferry-cintoo '{"blocksInFlight": 4}'] [--tools ferry,curl,rclone]

import { execFile, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '20' },
    'small-mb': { type: 'string', default: '100' },
    big: { type: 'string', default: '2' },
    'big-mb': { type: 'string', default: '2048' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1' },
    /** JSON merged into ferry's cintoo config section, e.g. '{"blocksInFlight": 4}'. */
    'ferry-cintoo': { type: 'string', default: '{}' },
    /** Which tools to run (comma-separated). */
    tools: { type: 'string', default: 'ferry,curl,rclone' },
  },
});
const MB = 1024 * 1024;
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const FERRY = path.resolve(import.meta.dirname, '../bin/ferry.js');

interface Generated {
  file: string;
  name: string;
  size: number;
  md5: Buffer;
}

const work = mkdtempSync(path.join(tmpdir(), 'ferry-bench-cintoo-'));
const filesDir = path.join(work, 'files');
mkdirSync(filesDir);
try {
  const generated: Generated[] = [];
  const plan = [
    ...Array.from({ length: Number(values.small) }, (_, index) => ({ name: `scan-${String(index).padStart(2, '0')}.e57`, size: Number(values['small-mb']) * MB })),
    ...Array.from({ length: Number(values.big) }, (_, index) => ({ name: `site-${index}.e57`, size: Number(values['big-mb']) * MB })),
  ];
  const started = Date.now();
  for (const [index, entry] of plan.entries()) {
    const file = path.join(filesDir, entry.name);
    generated.push({ file, name: entry.name, size: entry.size, md5: await writeSeeded(file, entry.size, 0x9e3779b9 + index) });
  }
  const total = generated.reduce((sum, entry) => sum + entry.size, 0);
  console.log(`generated ${generated.length} files, ${(total / MB).toFixed(0)} MiB, in ${((Date.now() - started) / 1000).toFixed(0)} s (${work})`);

  const results: Record<'ferry' | 'curl' | 'rclone', number[]> = { ferry: [], curl: [], rclone: [] };
  const rss: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const tools = (['ferry', 'curl', 'rclone'] as const).filter((tool) => values.tools.split(',').includes(tool));
    const order = tools.map((_, index) => tools[(index + round) % tools.length]!);
    for (const tool of order) {
      const seconds = await withSandbox(tool, round, async (sandbox) => {
        if (tool === 'ferry') {
          const outcome = await ferry(sandbox, round);
          rss.push(outcome.rssMb);
          return outcome.seconds;
        }
        return tool === 'curl' ? curl(sandbox, generated) : rclone(sandbox);
      });
      results[tool].push(seconds);
      console.log(`  round ${round + 1}: ${tool.padEnd(6)} ${(total / MB / seconds).toFixed(1)} MB/s (${seconds.toFixed(1)} s)`);
    }
  }
  const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const speed = (tool: keyof typeof results): number => (results[tool].length > 0 ? total / MB / median(results[tool]) : Number.NaN);
  console.log(`\n${generated.length} files (${values.small} × ${values['small-mb']} MiB, ${values.big} × ${values['big-mb']} MiB), ${CONCURRENCY} at a time, median of ${ROUNDS} round(s), MiB/s:`);
  console.log(`  ferry   ${speed('ferry').toFixed(1).padStart(7)}   (whole job: hash, sign, upload, register; peak RSS ${Math.max(...rss)} MB)`);
  console.log(`  curl    ${speed('curl').toFixed(1).padStart(7)}   (Put Blob per file; signing and MD5s before the clock)`);
  console.log(`  rclone  ${speed('rclone').toFixed(1).padStart(7)}   (azureblob, container SAS; ferry = ${((speed('ferry') / speed('rclone')) * 100).toFixed(0)}% of rclone)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** A fresh sandbox with storage on disk for one tool's run; its storage is removed afterwards. */
async function withSandbox(tool: string, round: number, work_: (sandbox: Sandbox) => Promise<number>): Promise<number> {
  const storageDir = path.join(work, `azurite-${tool}-${round}`);
  const sandbox = await startSandbox({ services: ['cintoo'], cintoo: { storageDir } });
  try {
    return await work_(sandbox);
  } finally {
    await sandbox.close();
    rmSync(storageDir, { recursive: true, force: true });
  }
}

async function ferry(sandbox: Sandbox, round: number): Promise<{ seconds: number; rssMb: number }> {
  const cintoo = sandbox.cintoo!;
  const dir = path.join(work, `ferry-${round}`);
  mkdirSync(dir);
  const job = path.join(dir, 'bench.json');
  const config = path.join(dir, 'ferry.config.json');
  writeFileSync(job, JSON.stringify({ name: 'bench', source: { type: 'glob', root: filesDir, include: ['*.e57'] }, target: { type: 'cintoo', account: cintoo.accountId, project: cintoo.projectId, workzonePath: 'bench' }, runner: { concurrency: CONCURRENCY } }));
  const extra = JSON.parse(values['ferry-cintoo']) as Record<string, unknown>;
  writeFileSync(config, JSON.stringify({ cintoo: { baseUrl: cintoo.url, refreshToken: cintoo.refreshToken, tokenFile: path.join(dir, 'tokens.json'), ...extra }, ledger: { dir: path.join(dir, 'ledger') } }));
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, FERRY, 'run', job, '--config', config, '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`ferry exited ${code}: ${stdout}\n${stderr}`);
  const files = cintoo.inventory().files.length;
  if (!stdout.includes('failed 0') || files === 0) throw new Error(`ferry did not register every file: ${stdout}`);
  return { seconds, rssMb: Math.round(Number(stderr.trim().split('\n').at(-1)) / 1024) };
}

async function curl(sandbox: Sandbox, files: Generated[]): Promise<number> {
  const cintoo = sandbox.cintoo!;
  const signed = (await (
    await fetch(`${cintoo.url}/api/2/accounts/${cintoo.accountId}/projects/${cintoo.projectId}/workzones/${cintoo.rootWorkzoneId}/bulk-files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cintoo.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(files.map((entry) => ({ name: entry.name, extension: 'e57', size: entry.size, md5: entry.md5.toString('hex') }))),
    })
  ).json()) as { files: { url: string }[] };
  const queue = files.map((entry, index) => ({ entry, url: signed.files[index]!.url }));
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '-T', next.entry.file, '-H', 'x-ms-blob-type: BlockBlob', '-H', `Content-MD5: ${next.entry.md5.toString('base64')}`, '-H', 'Cache-Control: max-age=2592000', '-H', 'Expect:', next.url];
        const { stdout } = await run('curl', args);
        if (stdout !== '201') throw new Error(`curl: HTTP ${stdout} for ${next.entry.name}`);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function rclone(sandbox: Sandbox): Promise<number> {
  const cintoo = sandbox.cintoo!;
  const sasUrl = `${cintoo.azuriteUrl}/${cintoo.container}?${containerSas(cintoo.container)}`;
  const started = process.hrtime.bigint();
  await run('rclone', ['copy', filesDir, `:azureblob:${cintoo.container}/rclone`, '--azureblob-sas-url', sasUrl, '--transfers', String(CONCURRENCY), '--retries', '1', '--config', '/dev/null'], { maxBuffer: 16 * MB });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** A container SAS (read, add, create, write, delete, list) for rclone, signed with Azurite's public development key. */
function containerSas(container: string): string {
  const key = Buffer.from('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'base64');
  const version = '2021-08-06';
  const expiry = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const stringToSign = ['racwdl', '', expiry, `/blob/devstoreaccount1/${container}`, '', '', '', version, 'c', '', '', '', '', '', '', ''].join('\n');
  const sig = createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
  return new URLSearchParams({ sv: version, sp: 'racwdl', se: expiry, sr: 'c', sig }).toString();
}

/** Writes `bytes` of seeded data to `target` a MiB at a time and returns their MD5. */
async function writeSeeded(target: string, bytes: number, seed: number): Promise<Buffer> {
  const hash = createHash('md5');
  const out = createWriteStream(target);
  const block = Buffer.alloc(MB);
  let state = seed >>> 0 || 1;
  for (let written = 0; written < bytes; written += block.length) {
    for (let index = 0; index < block.length; index += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      block.writeUInt32LE(state >>> 0, index);
    }
    const piece = block.subarray(0, Math.min(block.length, bytes - written));
    hash.update(piece);
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return hash.digest();
}
