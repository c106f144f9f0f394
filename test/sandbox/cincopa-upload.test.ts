// Cincopa's direct upload endpoint as its own uploader drives it: raw chunk bodies,
// `Content-Range: bytes start-end/total` with an EXCLUSIVE end, a fixed unique-id, plain-text
// answers where "error" means failure, and `new resource id <n> <rid>` at the end.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa'] });
});
afterAll(async () => {
  await sandbox?.close();
});

async function uploadUrl(params: Record<string, string> = {}): Promise<string> {
  const query = new URLSearchParams({ api_token: sandbox.cincopa.apiToken, ...params });
  const body = (await (await fetch(`${sandbox.cincopa.url}/asset.get_upload_url.json?${query}`)).json()) as { success: boolean; upload_url: string };
  expect(body.success).toBe(true);
  return body.upload_url;
}

async function sendChunk(url: string, bytes: Buffer, range: string, uniqueId: string, name = 'clip%20one.mp4'): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    body: bytes,
    headers: { 'content-type': 'multipart/form-data', 'x-file-name': name, 'content-range': range, 'unique-id': uniqueId },
  });
  return { status: response.status, text: await response.text() };
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
const RESOURCE = /new resource id (\d+) ([A-Za-z0-9]+)/;

describe('direct upload', () => {
  it('get_upload_url points at this server with uid, d, hash and addtofid', async () => {
    const url = new URL(await uploadUrl());
    expect(`${url.origin}/v2`).toBe(sandbox.cincopa.url);
    expect(url.pathname).toBe('/post.jpg');
    for (const key of ['uid', 'd', 'hash']) expect(url.searchParams.get(key)).toBeTruthy();
    expect(url.searchParams.get('addtofid')).toBe('0');
  });

  it('a single chunk `bytes 0-100/100` completes a 100-byte file', async () => {
    const bytes = randomBytes(100);
    const answer = await sendChunk(await uploadUrl(), bytes, 'bytes 0-100/100', 'one-shot');
    expect(answer.status).toBe(200);
    const [, numeric, rid] = RESOURCE.exec(answer.text)!;
    expect(numeric).toMatch(/^\d+$/);
    const asset = sandbox.inventory().cincopa.assets.find((candidate) => candidate.rid === rid)!;
    expect(asset).toMatchObject({ filesize: 100, md5: md5(bytes), source: 'direct', filename: 'clip one.mp4', id: Number(numeric) });
  });

  it('three chunks with exclusive ends make one asset with the md5 of all bytes, added to the gallery', async () => {
    const fid = String(((await (await fetch(`${sandbox.cincopa.url}/gallery.create.json?api_token=${sandbox.cincopa.apiToken}&name=direct`)).json()) as { fid: string }).fid);
    const url = await uploadUrl({ fid });
    expect(new URL(url).searchParams.get('addtofid')).toBe(fid);
    const bytes = randomBytes(250_000);
    const cuts = [0, 100_000, 200_000, 250_000];
    const answers: string[] = [];
    for (let index = 0; index < 3; index++) {
      const answer = await sendChunk(url, bytes.subarray(cuts[index]!, cuts[index + 1]!), `bytes ${cuts[index]}-${cuts[index + 1]}/250000`, 'three-parts');
      expect(answer.status).toBe(200);
      answers.push(answer.text);
    }
    expect(answers.slice(0, 2).some((text) => /error|new resource id/.test(text))).toBe(false);
    const rid = RESOURCE.exec(answers[2]!)![2]!;
    const inventory = sandbox.inventory().cincopa;
    expect(inventory.assets.find((asset) => asset.rid === rid)).toMatchObject({ filesize: 250_000, md5: md5(bytes) });
    expect(inventory.galleries.find((gallery) => gallery.fid === fid)!.members).toEqual([rid]);
  });

  it("an out-of-order chunk answers text containing 'error', and the upload URL takes nothing more", async () => {
    const before = sandbox.inventory().cincopa.assets.length;
    const url = await uploadUrl();
    const bytes = randomBytes(300);
    expect((await sendChunk(url, bytes.subarray(0, 100), 'bytes 0-100/300', 'gappy')).text).not.toContain('error');
    const skipped = await sendChunk(url, bytes.subarray(200, 300), 'bytes 200-300/300', 'gappy');
    expect(skipped.text).toContain('error');
    expect(skipped.status).toBeGreaterThanOrEqual(400);
    // A refused chunk finishes the URL (Cincopa's uploader gives up on one): the right chunk is refused too.
    const next = await sendChunk(url, bytes.subarray(100, 200), 'bytes 100-200/300', 'gappy');
    expect(next.text).toContain('error');
    expect(next.status).toBe(410);
    // A new URL takes the whole file from the start.
    const fresh = await uploadUrl();
    const last = await sendChunk(fresh, bytes, 'bytes 0-300/300', 'gappy');
    const rid = RESOURCE.exec(last.text)![2];
    expect(sandbox.inventory().cincopa.assets.find((asset) => asset.rid === rid)!.md5).toBe(md5(bytes));
    expect(sandbox.inventory().cincopa.assets.length).toBe(before + 1);
  });

  it('a chunk sent again is harmless, and a repeated last chunk answers the same asset', async () => {
    const before = sandbox.inventory().cincopa.assets.length;
    const url = await uploadUrl();
    const bytes = randomBytes(200);
    await sendChunk(url, bytes.subarray(0, 100), 'bytes 0-100/200', 'resent');
    const again = await sendChunk(url, bytes.subarray(0, 100), 'bytes 0-100/200', 'resent');
    expect(again.status).toBe(200);
    expect(again.text).not.toContain('error');
    const last = await sendChunk(url, bytes.subarray(100), 'bytes 100-200/200', 'resent');
    const lastAgain = await sendChunk(url, bytes.subarray(100), 'bytes 100-200/200', 'resent');
    expect(lastAgain.text).toBe(last.text);
    expect(sandbox.inventory().cincopa.assets.length).toBe(before + 1);
    expect(sandbox.inventory().cincopa.assets.find((asset) => asset.rid === RESOURCE.exec(last.text)![2])!.md5).toBe(md5(bytes));
  });

  it('a body shorter than its Content-Range is refused, and so is everything after it on that URL', async () => {
    const url = await uploadUrl();
    const bytes = randomBytes(100);
    const short = await sendChunk(url, bytes.subarray(0, 60), 'bytes 0-100/100', 'short');
    expect(short.text).toContain('error');
    expect((await sendChunk(url, bytes, 'bytes 0-100/100', 'short')).text).toContain('error');
    const retry = await sendChunk(await uploadUrl(), bytes, 'bytes 0-100/100', 'short');
    expect(sandbox.inventory().cincopa.assets.find((asset) => asset.rid === RESOURCE.exec(retry.text)![2])!.md5).toBe(md5(bytes));
  });

  it('refuses a forged hash, an unknown session, missing headers and an inclusive-looking range past the total', async () => {
    const url = new URL(await uploadUrl());
    const forged = new URL(url);
    forged.searchParams.set('hash', '0'.repeat(32));
    expect((await sendChunk(forged.href, Buffer.alloc(10), 'bytes 0-10/10', 'x')).text).toContain('error');
    const otherSession = new URL(url);
    otherSession.searchParams.set('d', 'f'.repeat(32));
    expect((await sendChunk(otherSession.href, Buffer.alloc(10), 'bytes 0-10/10', 'x')).text).toContain('error');
    // Neither was "this URL": a forged or unknown one must not close the real one.
    expect((await sendChunk(url.href, Buffer.alloc(10), 'bytes 0-10/10', 'x')).text).toMatch(RESOURCE);
    const noRange = await fetch(await uploadUrl(), { method: 'POST', body: Buffer.alloc(10), headers: { 'unique-id': 'x' } });
    expect(await noRange.text()).toContain('error');
    const pastTotal = await sendChunk(await uploadUrl(), Buffer.alloc(10), 'bytes 0-10/9', 'x');
    expect(pastTotal.text).toMatch(/error: bad Content-Range 0-10\/9/);
  });

  it("an 'expired-url' fault hands out an upload URL that is refused", async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'asset.get_upload_url', kind: 'expired-url', times: 1 });
    const expired = await uploadUrl();
    const answer = await sendChunk(expired, Buffer.alloc(10), 'bytes 0-10/10', 'late');
    expect(answer.text).toMatch(/error.*expired/);
    expect((await sendChunk(await uploadUrl(), Buffer.alloc(10), 'bytes 0-10/10', 'late')).text).toMatch(RESOURCE);
  });

  it("in the 'success-false' style an error answers HTTP 200, still with 'error' in the text", async () => {
    const other = await startSandbox({ services: ['cincopa'], cincopa: { failureStyle: 'success-false', apiToken: 'tok-up' } });
    try {
      const body = (await (await fetch(`${other.cincopa.url}/asset.get_upload_url.json?api_token=tok-up`)).json()) as { upload_url: string };
      const answer = await sendChunk(body.upload_url, Buffer.alloc(10), 'bytes 5-15/20', 'u');
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('error');
    } finally {
      await other.close();
    }
  });

  it('journals chunks under cincopa-upload/upload without the signed query', async () => {
    const entries = sandbox.journal.entries({ service: 'cincopa-upload', route: 'upload' });
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.some((entry) => entry.params.range === 'bytes 0-100/100')).toBe(true);
    expect(JSON.stringify(entries)).not.toMatch(/hash=|[?&]d=/);
  });
});
