// The storage side of the Cintoo sandbox: signed URLs reach Azurite through a streaming proxy that
// applies fault rules (service 'azurite', route = the storage operation), journals every request
// and counts the body bytes per blob. SAS permissions decide whether Get Block List is allowed.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startSandbox } from '../../src/sandbox/index.ts';
import { describe, expect, it } from 'vitest';
import { CintooClient, useCintooLab, blockId, declare, md5Base64, putBlob, putBlock, putBlockList, seededBytes, waitFor } from '../helpers/cintoo.ts';

const SEED = Number(process.env.FERRY_TEST_SEED ?? 0xb10b);

const lab = useCintooLab({ resetEachTest: { seed: SEED } });
let counter = 0;

async function signed(size: number, extension = 'las'): Promise<{ data: Buffer; url: string; blobName: string; name: string }> {
  counter++;
  const name = `storage-${counter}.${extension}`;
  const data = seededBytes(size, SEED + counter);
  const answer = await lab.client.sign([declare(name, data)]);
  return { data, name, url: answer.files[0]!.url, blobName: answer.files[0]!.blobName };
}

const bytesOf = (blobName: string): number => lab.sandbox.inventory().cintoo!.blobs.find((blob) => blob.blobName === blobName)!.bytesReceived;
const getBlockList = (url: string): Promise<Response> => fetch(`${url}&comp=blocklist&blocklisttype=all`);

describe('SAS permissions', () => {
  it('signs write-only URLs by default: Get Block List is refused with 403', async () => {
    const { data, url } = await signed(20_000);
    expect((await putBlock(url, 0, data.subarray(0, 10_000))).status).toBe(201);
    expect(new URL(url).searchParams.get('sp')).toBe('cw');
    expect((await getBlockList(url)).status).toBe(403);
  });

  it('lets Get Block List through with blobSasPermissions "rcw", uncommitted blocks included', async () => {
    lab.cintoo.settings.blobSasPermissions = 'rcw';
    const { data, url } = await signed(20_000);
    expect(new URL(url).searchParams.get('sp')).toBe('rcw');
    expect((await putBlock(url, 0, data.subarray(0, 10_000))).status).toBe(201);
    const list = await getBlockList(url);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(`<Name>${blockId(0)}</Name>`);
  });
});

describe('meter and journal', () => {
  it('shows what a resume sent again: bytes received after the "crash" against the file size', async () => {
    const blockSize = 50_000;
    const { data, url, blobName, name } = await signed(10 * blockSize);
    for (let index = 0; index < 6; index++) await putBlock(url, index, data.subarray(index * blockSize, (index + 1) * blockSize));
    const beforeCrash = bytesOf(blobName);
    // The resumed client re-sends only the blocks storage had not acknowledged.
    for (let index = 6; index < 10; index++) await putBlock(url, index, data.subarray(index * blockSize, (index + 1) * blockSize));
    expect((await putBlockList(url, 10, data)).status).toBe(201);
    const sentAgain = bytesOf(blobName) - beforeCrash;
    expect(sentAgain).toBeLessThan(data.length / 2);
    // Summed over the file's blobs, as a re-sign may have given it a new blob name.
    const perFile = lab.sandbox.inventory().cintoo!.blobs.filter((blob) => blob.name === name).reduce((sum, blob) => sum + blob.bytesReceived, 0);
    expect(perFile - data.length).toBeGreaterThan(0); // the block list's XML body counts too
    expect(perFile - data.length).toBeLessThan(2_000);
  });

  it('counts the body bytes storage received per blob and journals each operation', async () => {
    const { data, url, blobName } = await signed(50_000);
    expect((await putBlob(url, data)).status).toBe(201);
    expect(bytesOf(blobName)).toBe(data.length);
    const entry = lab.sandbox.journal.entries({ service: 'azurite', route: 'PutBlob' }).at(-1)!;
    expect(entry).toMatchObject({ status: 201, params: { blob: blobName, bytes: String(data.length) } });
    expect(JSON.stringify(entry)).not.toContain('sig=');
  });
});

describe('storage faults', () => {
  it('reset: cuts a Put Block mid-body, nothing is stored, the bytes sent are counted', async () => {
    lab.cintoo.settings.blobSasPermissions = 'rcw';
    const { data, url, blobName } = await signed(400_000);
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlock', kind: 'reset', times: 1 });
    await expect(putBlock(url, 0, data.subarray(0, 200_000))).rejects.toThrow();
    await waitFor(() => lab.sandbox.journal.count({ service: 'azurite', route: 'PutBlock' }) >= 1, 2_000, 'the cut request in the journal');
    const cut = lab.sandbox.journal.entries({ service: 'azurite', route: 'PutBlock' }).at(-1)!;
    expect(cut).toMatchObject({ status: 0, fault: 'reset' });
    expect(Number(cut.params.bytes)).toBeGreaterThanOrEqual(100_000); // about half, then cut
    expect(Number(cut.params.bytes)).toBeLessThan(200_000);
    expect(await (await getBlockList(url)).text()).not.toContain(blockId(0));
    expect((await putBlock(url, 0, data.subarray(0, 200_000))).status).toBe(201);
    expect(bytesOf(blobName)).toBe(Number(cut.params.bytes) + 200_000);
  });

  it('reset with afterBytes on Put Blob', async () => {
    const { data, url } = await signed(100_000);
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlob', kind: 'reset', afterBytes: 1, times: 1 });
    await expect(putBlob(url, data)).rejects.toThrow();
    expect((await putBlob(url, data)).status).toBe(201);
  });

  it('5xx and 503 with Retry-After, in Azure\'s XML error shape', async () => {
    const { data, url } = await signed(10_000);
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlob', kind: 'status', status: 500, times: 1 });
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlob', kind: 'rate-limit', retryAfterSec: 3, after: 1, times: 1 });
    const failed = await putBlob(url, data);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-ms-error-code')).toBe('InternalError');
    expect(await failed.text()).toMatch(/^<\?xml[^>]*\?><Error><Code>InternalError<\/Code>/);
    const busy = await putBlob(url, data);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('3');
    expect(busy.headers.get('x-ms-error-code')).toBe('ServerBusy');
    expect((await putBlob(url, data)).status).toBe(201);
  });

  it('auth: 403 AuthenticationFailed, as an expired or forged SAS gets', async () => {
    const { data, url } = await signed(10_000);
    lab.sandbox.faults.add({ service: 'azurite', route: '*', kind: 'auth', times: 1 });
    const refused = await putBlob(url, data);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-ms-error-code')).toBe('AuthenticationFailed');
    const forged = url.replace(/sig=[^&]+/, 'sig=Zm9yZ2Vk');
    expect((await putBlob(forged, data)).status).toBe(403); // Azurite's own check, through the proxy
  });

  it('stall: stops reading after afterBytes without buffering the rest; a client that gives up leaves nothing behind', async () => {
    const size = 32 * 1024 * 1024;
    const { data, url, blobName } = await signed(size);
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlob', kind: 'stall', afterBytes: 1024 * 1024, stallMs: 3_000, times: 1 });
    const controller = new AbortController();
    const upload = putBlobStream(url, data, controller.signal);
    await waitFor(() => bytesOf(blobName) >= 1024 * 1024, 5_000, 'the first MiB to arrive');
    const pending = Symbol('pending');
    expect(await Promise.race([upload.catch(() => 'failed'), Promise.resolve(pending)])).toBe(pending);
    expect(bytesOf(blobName)).toBeLessThan(8 * 1024 * 1024); // held back, not read into memory
    controller.abort();
    await expect(upload).rejects.toThrow();
    // A stalled server reads nothing, so it notices the hang-up only when the stall is over.
    await waitFor(() => lab.sandbox.journal.entries({ service: 'azurite', route: 'PutBlob' }).some((entry) => entry.fault === 'stall'), 8_000, 'the stalled request in the journal');
    expect(await lab.cintoo.blobProperties(blobName)).toBeUndefined();
  });

  it('stall past the end of the body holds back the answer, then serves it', async () => {
    const { data, url } = await signed(10_000);
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlob', kind: 'stall', afterBytes: 1e9, stallMs: 300, times: 1 });
    const started = Date.now();
    expect((await putBlob(url, data)).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('lost-response on Put Block List: committed, but the client never hears of it', async () => {
    const { data, url, blobName } = await signed(20_000);
    for (const index of [0, 1]) await putBlock(url, index, data.subarray(index * 10_000, (index + 1) * 10_000));
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlockList', kind: 'lost-response', times: 1 });
    await expect(putBlockList(url, 2, data)).rejects.toThrow();
    expect(await lab.cintoo.blobProperties(blobName)).toMatchObject({ size: data.length });
  });

  it('latency delays storage requests', async () => {
    const { data, url } = await signed(1_000);
    lab.sandbox.faults.add({ service: 'azurite', route: 'PutBlob', kind: 'latency', latencyMs: 200, times: 1 });
    const started = Date.now();
    expect((await putBlob(url, data)).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

/** Put Blob with a streamed body (64 KiB pieces), as a real uploader sends a big file. */
function putBlobStream(url: string, data: Buffer, signal: AbortSignal): Promise<Response> {
  let offset = 0;
  const body = new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      this.push(data.subarray(offset, (offset += 64 * 1024)));
    },
  });
  return fetch(url, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-md5': md5Base64(data), 'content-length': String(data.length) },
    body: Readable.toWeb(body) as ReadableStream<Uint8Array>,
    duplex: 'half',
    signal,
  } as RequestInit);
}

describe('storage on disk', () => {
  it('keeps blobs under storageDir instead of in memory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-azurite-'));
    const onDisk = await startSandbox({ services: ['cintoo'], cintoo: { storageDir: dir } });
    try {
      const diskClient = new CintooClient(onDisk.cintoo!);
      const data = seededBytes(300_000, SEED);
      const answer = await diskClient.sign([declare('disk.e57', data)]);
      expect((await putBlob(answer.files[0]!.url, data)).status).toBe(201);
      expect((await diskClient.register([declare('disk.e57', data)])).status).toBe(200);
      expect(readdirSync(path.join(dir, 'blobs')).length).toBeGreaterThan(0);
    } finally {
      await onDisk.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
