// Throughput of the Cintoo sandbox's storage path: curl uploading the same file (Put Blob, with
// Content-MD5) through the storage proxy — faults, journal and byte meter included — and straight
// to Azurite, alternately, with the same SAS. The proxy must not be what limits an upload
// benchmark, and it must stream: the sandbox's resident memory should not grow with the file.
//
//   node bench/sandbox-storage.ts [--size-mb 256] [--rounds 3]

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from '../src/sandbox/index.ts';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } } });
const size = Number(values['size-mb']) * 1024 * 1024;
const rounds = Number(values.rounds);

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-bench-storage-'));
const file = path.join(dir, 'scan.e57');
const md5 = await writeFile(file, size);
const sandbox = await startSandbox({ services: ['cintoo'], cintoo: { storageDir: path.join(dir, 'azurite') } });
const cintoo = sandbox.cintoo!;

try {
  const signed = (await (
    await fetch(`${cintoo.url}/api/2/accounts/${cintoo.accountId}/projects/${cintoo.projectId}/workzones/${cintoo.rootWorkzoneId}/bulk-files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cintoo.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'scan.e57', extension: 'e57', size, md5: md5.toString('hex') }]),
    })
  ).json()) as { files: { url: string }[] };
  const viaProxy = signed.files[0]!.url;
  const direct = viaProxy.replace(new URL(cintoo.azuriteUrl).origin, new URL(cintoo.azuriteDirectUrl).origin);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const results: Record<'proxy' | 'direct', number[]> = { proxy: [], direct: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [label, url] of [['proxy', viaProxy], ['direct', direct]] as const) results[label].push(await curlPut(url, file, md5.toString('base64')));
  }
  clearInterval(sampler);
  const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const mb = size / 1024 / 1024;
  console.log(`Put Blob of ${mb} MiB with curl, ${rounds} rounds (medians):`);
  console.log(`  through the storage proxy  ${(mb / median(results.proxy)).toFixed(0)} MB/s   (${results.proxy.map((seconds) => (mb / seconds).toFixed(0)).join(', ')})`);
  console.log(`  straight to Azurite        ${(mb / median(results.direct)).toFixed(0)} MB/s   (${results.direct.map((seconds) => (mb / seconds).toFixed(0)).join(', ')})`);
  console.log(`  sandbox RSS grew by ${((rssPeak - rssBefore) / 1024 / 1024).toFixed(0)} MB during the uploads (Azurite and the proxy together)`);
  console.log(`  storage meter: ${(cintoo.inventory().storageBytesReceived / 1024 / 1024).toFixed(0)} MiB received through the proxy`);
} finally {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Seconds curl took to upload `file`; fails unless storage answered 201. */
function curlPut(url: string, source: string, contentMd5: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-s', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '-X', 'PUT', '-T', source, '-H', 'x-ms-blob-type: BlockBlob', '-H', `Content-MD5: ${contentMd5}`, '-H', 'Expect:', url];
    execFile('curl', args, (error, stdout) => {
      const [status, seconds] = stdout.split(' ');
      if (error || status !== '201') reject(new Error(`curl: ${error?.message ?? `HTTP ${status}`}`));
      else resolve(Number(seconds));
    });
  });
}

/** Writes `bytes` of seeded data to `target` and returns their MD5. */
async function writeFile(target: string, bytes: number): Promise<Buffer> {
  const hash = createHash('md5');
  const out = createWriteStream(target);
  const block = Buffer.alloc(1024 * 1024);
  let state = 0x9e3779b9;
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
