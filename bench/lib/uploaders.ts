// The tools people would otherwise script, as the byte benchmarks' references: curl POSTing
// files to Cincopa's direct upload endpoint; curl (Put Blob per file with signed URLs) and rclone
// (azureblob, container SAS) uploading to the Cintoo sandbox's storage. Signing and hashing
// happen before the clock starts: the references do only the transfer.

import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { measure } from './child.ts';
import type { GeneratedFile } from './files.ts';

/** Runs `work` over `items` with `parallel` workers at a time. */
async function pool<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await work(next);
  }));
}

/** Seconds for curl to POST every file to Cincopa's upload endpoint (one URL each, got beforehand), `parallel` at a time. */
export async function curlToCincopa(sandbox: Sandbox, files: readonly GeneratedFile[], parallel: number): Promise<number> {
  const urls: string[] = [];
  for (const _file of files) {
    const body = (await (await fetch(`${sandbox.cincopa.url}/asset.get_upload_url.json?api_token=${sandbox.cincopa.apiToken}`)).json()) as { upload_url: string };
    urls.push(body.upload_url);
  }
  const started = performance.now();
  await pool(files.map((file, index) => ({ file, url: urls[index]! })), parallel, async ({ file, url }) => {
    // Content-Range's end is the total, as Cincopa's own uploader sends it (see src/sandbox/cincopa/upload.ts).
    await measure('curl', ['-sS', '-f', '-o', '/dev/null', '-X', 'POST', '--data-binary', `@${file.file}`, '-H', 'Content-Type: multipart/form-data', '-H', `Content-Range: bytes 0-${file.size}/${file.size}`, '-H', `unique-id: curl-${file.name}`, '-H', `X-FILE-NAME: ${file.name}`, '-H', 'Expect:', url]);
  });
  return (performance.now() - started) / 1000;
}

/** Seconds for curl to Put Blob every file through the Cintoo sandbox's signed URLs (signed before the clock), `parallel` at a time. */
export async function curlToCintoo(sandbox: Sandbox, files: readonly GeneratedFile[], parallel: number): Promise<number> {
  const cintoo = sandbox.cintoo!;
  const signed = (await (
    await fetch(`${cintoo.url}/api/2/accounts/${cintoo.accountId}/projects/${cintoo.projectId}/workzones/${cintoo.rootWorkzoneId}/bulk-files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cintoo.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(files.map((entry) => ({ name: entry.name, extension: path.extname(entry.name).slice(1), size: entry.size, md5: entry.md5.toString('hex') }))),
    })
  ).json()) as { files: { url: string }[] };
  const started = performance.now();
  await pool(files.map((file, index) => ({ file, url: signed.files[index]!.url })), parallel, async ({ file, url }) => {
    const { stdout } = await measure('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'PUT', '-T', file.file, '-H', 'x-ms-blob-type: BlockBlob', '-H', `Content-MD5: ${file.md5.toString('base64')}`, '-H', 'Cache-Control: max-age=2592000', '-H', 'Expect:', url]);
    if (stdout !== '201') throw new Error(`curl: HTTP ${stdout} for ${file.name}`);
  });
  return (performance.now() - started) / 1000;
}

/** Seconds for `rclone copy` of `dir` into the sandbox's storage container (its defaults: 4 MiB chunks, 16 per file), `parallel` transfers. */
export async function rcloneToCintoo(sandbox: Sandbox, dir: string, include: string, parallel: number): Promise<number> {
  const cintoo = sandbox.cintoo!;
  const sasUrl = `${cintoo.azuriteUrl}/${cintoo.container}?${containerSas(cintoo.container)}`;
  const { seconds } = await measure('rclone', ['copy', dir, `:azureblob:${cintoo.container}/rclone`, '--include', include, '--azureblob-sas-url', sasUrl, '--transfers', String(parallel), '--retries', '1', '--config', '/dev/null']);
  return seconds;
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
