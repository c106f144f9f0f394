// The direct upload endpoint's harder rules, in both dialects: a unique-id reused for another
// file is refused (its bytes are never silently dropped), any refusal finishes the upload URL,
// a lost answer leaves the chunk taken, Cincopa's own 13-digit unique-ids work, and alt answers
// with other words (HTTP 200, multi-line final answer) so a client can rely on "error" alone.

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { RESOURCE, sendChunk, uploadUrl } from '../helpers/cincopaApi.ts';

let classic: Sandbox;
let alt: Sandbox;

beforeAll(async () => {
  [classic, alt] = await Promise.all([startSandbox({ services: ['cincopa'] }), startSandbox({ services: ['cincopa'], cincopa: { dialect: 'alt' } })]);
});
afterAll(async () => {
  await Promise.all([classic?.close(), alt?.close()]);
});
beforeEach(() => {
  for (const sandbox of [classic, alt]) {
    sandbox.faults.clear();
    sandbox.cincopa.configure({ resentChunk: 'accept' });
  }
});

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
const assetCount = (sandbox: Sandbox): number => sandbox.inventory().cincopa.assets.length;
/** A unique-id like Cincopa's uploader makes: Date.now(), 13 digits, fixed per file. */
let lastId = 0;
const uniqueId = (): string => String((lastId = Math.max(Date.now(), lastId + 1)));

/** Sends a chunk whose answer is dropped by a 'lost-response' fault: the fetch must fail. */
async function sendLost(url: string, bytes: Buffer, range: string, id: string): Promise<void> {
  await expect(sendChunk(url, bytes, range, id)).rejects.toThrow();
}

describe.each([
  ['classic', () => classic],
  ['alt', () => alt],
] as const)('%s dialect', (dialect, get) => {
  it('accepts a 13-digit numeric unique-id and a 0-byte file as `bytes 0-0/0`', async () => {
    const sandbox = get();
    const answer = await sendChunk(await uploadUrl(sandbox.cincopa), Buffer.alloc(0), 'bytes 0-0/0', uniqueId(), 'empty.txt');
    expect(answer.status).toBe(200);
    const rid = RESOURCE.exec(answer.text)![2];
    expect(sandbox.inventory().cincopa.assets.find((asset) => asset.rid === rid)).toMatchObject({ filesize: 0, filename: 'empty.txt' });
  });

  it('refuses a unique-id reused with another file name, then refuses the URL: the second file is never dropped silently', async () => {
    const sandbox = get();
    const before = assetCount(sandbox);
    const url = await uploadUrl(sandbox.cincopa);
    const id = uniqueId();
    const first = randomBytes(200);
    expect((await sendChunk(url, first.subarray(0, 100), 'bytes 0-100/200', id, 'first.mp4')).text).not.toContain('error');
    // Another file, same unique-id, a range the first file already holds: once its bytes were dropped with "ok".
    const other = await sendChunk(url, randomBytes(100), 'bytes 0-100/200', id, 'second.mp4');
    expect(other.text).toContain('error');
    expect((await sendChunk(url, first.subarray(100), 'bytes 100-200/200', id, 'first.mp4')).text).toContain('error');
    expect(assetCount(sandbox)).toBe(before);
  });

  it('refuses a unique-id reused with another total', async () => {
    const sandbox = get();
    const url = await uploadUrl(sandbox.cincopa);
    const id = uniqueId();
    expect((await sendChunk(url, randomBytes(100), 'bytes 0-100/300', id)).text).not.toContain('error');
    const other = await sendChunk(url, randomBytes(100), 'bytes 0-100/200', id);
    expect(other.text).toContain('error');
    expect(sandbox.journal.entries({ route: 'upload' }).at(-1)!.params.refused).toBe('total-mismatch');
  });

  it('lost-response on an intermediate chunk: the chunk was taken; sent again it is answered and the file goes on', async () => {
    const sandbox = get();
    const url = await uploadUrl(sandbox.cincopa);
    const bytes = randomBytes(300);
    const id = uniqueId();
    sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'lost-response', times: 1 });
    await sendLost(url, bytes.subarray(0, 100), 'bytes 0-100/300', id);
    expect((await sendChunk(url, bytes.subarray(0, 100), 'bytes 0-100/300', id)).text).not.toContain('error');
    expect((await sendChunk(url, bytes.subarray(100, 200), 'bytes 100-200/300', id)).text).not.toContain('error');
    const last = await sendChunk(url, bytes.subarray(200), 'bytes 200-300/300', id);
    expect(sandbox.inventory().cincopa.assets.find((asset) => asset.rid === RESOURCE.exec(last.text)![2])!.md5).toBe(md5(bytes));
    expect(sandbox.journal.entries({ route: 'upload' }).filter((entry) => entry.fault === 'lost-response')).toHaveLength(1);
  });

  it('lost-response on the last chunk: the asset exists; the same chunk again answers the same rid, never a second asset', async () => {
    const sandbox = get();
    const before = assetCount(sandbox);
    const url = await uploadUrl(sandbox.cincopa);
    const bytes = randomBytes(100);
    const id = uniqueId();
    sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'lost-response', times: 1 });
    await sendLost(url, bytes, 'bytes 0-100/100', id);
    expect(assetCount(sandbox)).toBe(before + 1);
    const again = await sendChunk(url, bytes, 'bytes 0-100/100', id);
    expect(sandbox.inventory().cincopa.assets.find((asset) => asset.rid === RESOURCE.exec(again.text)![2])!.md5).toBe(md5(bytes));
    expect(assetCount(sandbox)).toBe(before + 1);
  });

  it("resentChunk 'refuse': a chunk sent again after a lost answer is refused and finishes the URL (the asset stays, an orphan)", async () => {
    const sandbox = get();
    sandbox.cincopa.configure({ resentChunk: 'refuse' });
    const before = assetCount(sandbox);
    const url = await uploadUrl(sandbox.cincopa);
    const bytes = randomBytes(100);
    const id = uniqueId();
    sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'lost-response', times: 1 });
    await sendLost(url, bytes, 'bytes 0-100/100', id);
    expect((await sendChunk(url, bytes, 'bytes 0-100/100', id)).text).toContain('error');
    expect(assetCount(sandbox)).toBe(before + 1);
  });

  it('an auth fault on the upload route answers an error text, in the dialect\'s auth style', async () => {
    const sandbox = get();
    const url = await uploadUrl(sandbox.cincopa);
    sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'auth', times: 1 });
    const refused = await sendChunk(url, randomBytes(10), 'bytes 0-10/10', uniqueId());
    expect(refused.text).toContain('error');
    expect(refused.status).toBe(dialect === 'classic' ? 403 : 200);
  });
});

describe('the two wordings', () => {
  it('alt: intermediate chunks answer an empty body; the last answers several lines, the rid on the 6th (C4)', async () => {
    const url = await uploadUrl(alt.cincopa);
    const bytes = randomBytes(200);
    const id = uniqueId();
    const first = await sendChunk(url, bytes.subarray(0, 100), 'bytes 0-100/200', id);
    expect(first).toEqual({ status: 200, text: '' });
    const last = await sendChunk(url, bytes.subarray(100), 'bytes 100-200/200', id);
    const lines = last.text.split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const [, numeric, rid] = /^new resource id (\d+) (\S+)$/.exec(lines[5]!)!;
    expect(alt.inventory().cincopa.assets.find((asset) => asset.rid === rid)).toMatchObject({ id: Number(numeric), md5: md5(bytes) });
    // Cincopa's own uploader reads it with this regex over the whole text (C1).
    expect(/new resource id (\d+) (.*)/.exec(last.text)![2]).toBe(rid);
  });

  it('refusals: classic with its historic words and 4xx; alt with HTTP 200 and other words, "error" the only thing in common', async () => {
    const refusals: Record<string, { status: number; text: string }[]> = {};
    for (const [name, sandbox] of [['classic', classic], ['alt', alt]] as const) {
      sandbox.faults.add({ service: 'cincopa', route: 'asset.get_upload_url', kind: 'expired-url', times: 1 });
      const expired = await sendChunk(await uploadUrl(sandbox.cincopa), randomBytes(10), 'bytes 0-10/10', uniqueId());
      const outOfOrder = await sendChunk(await uploadUrl(sandbox.cincopa), randomBytes(10), 'bytes 10-20/30', uniqueId());
      const forged = new URL(await uploadUrl(sandbox.cincopa));
      forged.searchParams.set('hash', 'x'.repeat(32));
      const invalid = await sendChunk(forged.href, randomBytes(10), 'bytes 0-10/10', uniqueId());
      refusals[name] = [expired, outOfOrder, invalid];
    }
    for (const answer of [...refusals.classic!, ...refusals.alt!]) expect(answer.text).toContain('error');
    expect(refusals.classic!.map((answer) => answer.status)).toEqual([403, 400, 403]);
    expect(refusals.classic![0]!.text).toMatch(/expired/);
    expect(refusals.alt!.map((answer) => answer.status)).toEqual([200, 200, 200]);
    for (const answer of refusals.alt!) expect(answer.text).not.toMatch(/expired|invalid upload url|send chunks in order/i);
  });

  it('alt refuses a unique-id that is not a number (a server may parse it as one); classic takes any text', async () => {
    const hex = 'a3f9c2e1b4d5a6f7e8c9d0b1';
    expect((await sendChunk(await uploadUrl(alt.cincopa), randomBytes(10), 'bytes 0-10/10', hex)).text).toContain('error');
    expect((await sendChunk(await uploadUrl(classic.cincopa), randomBytes(10), 'bytes 0-10/10', hex)).text).toMatch(RESOURCE);
  });
});
