// The Cincopa emulator's REST API, awkward parts included: the token as a query parameter,
// two failure styles, upload_from_url fetching for real (string progress, -1 sizes), paging,
// comma-separated gallery adds (doubles kept), and flat webhook deliveries retried until the
// receiver says 200.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedContentMd5 } from '../../src/sandbox/origin.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 30 } });
});
afterAll(async () => {
  await sandbox?.close();
});

type Body = Record<string, unknown> & { success?: boolean; message?: string };

async function call(method: string, params: Record<string, string> = {}, options: { token?: string | null; post?: 'query' | 'form' } = {}): Promise<{ status: number; body: Body }> {
  const token = options.token === undefined ? sandbox.cincopa.apiToken : options.token;
  const query = new URLSearchParams(token === null ? {} : { api_token: token });
  const form = new URLSearchParams(params);
  if (options.post !== 'form') for (const [key, value] of form) query.set(key, value);
  const url = `${sandbox.cincopa.url}/${method}.json?${query}`;
  const response = options.post
    ? await fetch(url, { method: 'POST', ...(options.post === 'form' ? { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) })
    : await fetch(url);
  return { status: response.status, body: (await response.json()) as Body };
}

async function ok(method: string, params: Record<string, string> = {}): Promise<Body> {
  const { status, body } = await call(method, params);
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.success, JSON.stringify(body)).toBe(true);
  return body;
}

async function waitForStatus(statusId: string, done: (body: Body) => boolean, timeoutMs = 5_000): Promise<Body[]> {
  const seen: Body[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const body = await ok('asset.upload_from_url_get_status', { status_id: statusId });
    seen.push(body);
    if (done(body)) return seen;
    await sleep(5);
  }
  throw new Error(`status ${statusId} did not settle: ${JSON.stringify(seen.at(-1))}`);
}

async function uploadFromUrl(name: string, size: number, extra: Record<string, string> = {}): Promise<string> {
  const { status_id } = await ok('asset.upload_from_url', { input: `${sandbox.origin.url}/gen/${name}?size=${size}`, ...extra });
  const seen = await waitForStatus(String(status_id), (body) => body.status !== 'inprogress');
  expect(seen.at(-1)!.status).toBe('done');
  return String(seen.at(-1)!.resid);
}

describe('token and failure styles', () => {
  it('answers 403 without a token or with a wrong one, and never echoes the token', async () => {
    expect((await call('ping', {}, { token: null })).status).toBe(403);
    const wrong = await call('ping', {}, { token: 'nope' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.success).toBe(false);
    expect(JSON.stringify(wrong.body)).not.toContain('nope');
  });

  it('ping answers pong and the account, by GET, POST with query, and POST with a form body', async () => {
    for (const post of [undefined, 'query', 'form'] as const) {
      const { status, body } = await call('ping', {}, { post });
      expect(status).toBe(200);
      expect(body).toMatchObject({ success: true, ping: 'pong', accid: expect.any(String), accemail: expect.any(String), userid: expect.any(String) });
      expect(body.permissions).toBe('asset.*|gallery.*|webhook.*'); // pipe-separated, as real tokens (C4, C9)
      expect(typeof body.runtime).toBe('number');
    }
    const form = await call('asset.set_meta', { rid: 'missing' }, { post: 'form' });
    expect(form.body.message).toContain('missing'); // the form body's rid was read
  });

  it("'http' style fails with a non-2xx status; 'success-false' with HTTP 200 and success:false", async () => {
    const http = await call('asset.set_meta', { rid: 'NOSUCHRID' });
    expect(http.status).toBe(404);
    expect(http.body).toMatchObject({ success: false, message: expect.stringContaining('NOSUCHRID') });
    const other = await startSandbox({ services: ['cincopa'], cincopa: { failureStyle: 'success-false', apiToken: 'tok-sf' } });
    try {
      const response = await fetch(`${other.cincopa.url}/asset.set_meta.json?api_token=tok-sf&rid=NOSUCHRID`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ success: false, message: expect.stringContaining('NOSUCHRID') });
      const missingParam = await fetch(`${other.cincopa.url}/asset.upload_from_url.json?api_token=tok-sf`);
      expect(response.status).toBe(200);
      expect(await missingParam.json()).toMatchObject({ success: false, message: expect.stringContaining('input') });
      expect((await fetch(`${other.cincopa.url}/ping.json`)).status).toBe(403); // a refused token stays a 403
    } finally {
      await other.close();
    }
  });

  it('token.get_temp answers a temporary token; unknown methods fail', async () => {
    expect(await ok('token.get_temp')).toMatchObject({ temp_token: expect.any(String) });
    expect((await call('asset.frobnicate')).status).toBe(404);
  });
});

describe('asset.upload_from_url', () => {
  it('downloads the source for real: -1 size until known, string progress, then resid and the md5', async () => {
    const size = 3 * 1024 * 1024 + 11;
    // The origin answers after 150 ms, so the first status surely comes before the size is known.
    sandbox.faults.add({ service: 'origin', route: 'GET', kind: 'latency', latencyMs: 150, times: 1 });
    const { status_id } = await ok('asset.upload_from_url', { input: `${sandbox.origin.url}/gen/movie%20one.mp4?size=${size}` });
    expect(status_id).toEqual(expect.any(String));
    const first = await ok('asset.upload_from_url_get_status', { status_id: String(status_id) });
    expect(first.status).toBe('inprogress');
    expect(first.file_size_bytes).toBe(-1); // the download has not answered yet
    expect(typeof first.progress).toBe('string');
    const seen = await waitForStatus(String(status_id), (body) => body.status !== 'inprogress');
    for (const body of seen) expect(typeof body.progress).toBe('string');
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ status: 'done', progress: '100', progress_bytes: size, file_size_bytes: size, resid: expect.stringMatching(/^[A-Za-z0-9]{9}$/) });
    const asset = sandbox.inventory().cincopa.assets.find((candidate) => candidate.rid === last.resid)!;
    expect(asset).toMatchObject({ filename: 'movie one.mp4', filesize: size, size, source: 'url' });
    expect(asset.md5).toBe(await generatedContentMd5('movie one.mp4', size));
  });

  it('fails for a 404 source, with the reason in `more`', async () => {
    const { status_id } = await ok('asset.upload_from_url', { input: `${sandbox.origin.url}/no/such/file.mp4` });
    const last = (await waitForStatus(String(status_id), (body) => body.status !== 'inprogress')).at(-1)!;
    expect(last.status).toBe('failed');
    expect(String(last.more)).toContain('404');
    expect(last.resid).toBeFalsy();
  });

  it('fails for an unreachable source', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { status_id } = await ok('asset.upload_from_url', { input: `http://127.0.0.1:${port}/x.mp4` });
    const last = (await waitForStatus(String(status_id), (body) => body.status !== 'inprogress')).at(-1)!;
    expect(last.status).toBe('failed');
    expect(String(last.more)).toMatch(/could not download/);
  });

  it('adds the new asset to the gallery given as fid', async () => {
    const { fid } = await ok('gallery.create', { name: 'from-url target' });
    const rid = await uploadFromUrl('in-gallery.mp4', 1000, { fid: String(fid) });
    const { folder } = (await ok('gallery.get_items', { fid: String(fid) })) as { folder: { items: { rid: string }[] } };
    expect(folder.items.map((item) => item.rid)).toEqual([rid]);
  });

  it('abort stops a download in progress: no asset appears', async () => {
    const before = sandbox.inventory().cincopa.assets.length;
    sandbox.faults.add({ service: 'origin', route: 'GET', kind: 'latency', latencyMs: 300, times: 1 });
    const { status_id } = await ok('asset.upload_from_url', { input: `${sandbox.origin.url}/gen/aborted.mp4?size=5000` });
    expect(await ok('asset.upload_from_url_abort', { status_id: String(status_id) })).toMatchObject({ status_id });
    await sleep(400);
    const status = await ok('asset.upload_from_url_get_status', { status_id: String(status_id) });
    expect(status.status).toBe('aborted');
    expect(status.resid).toBeFalsy();
    expect(sandbox.inventory().cincopa.assets.length).toBe(before);
    expect((await call('asset.upload_from_url_abort', { status_id: 'unknown' })).status).toBe(404);
  });

  it('requires input', async () => {
    const { status, body } = await call('asset.upload_from_url');
    expect(status).toBe(400);
    expect(body.message).toContain('input');
  });
});

describe('assets and galleries', () => {
  it('set_meta + asset.list: reference_id is an exact filter, search a substring, paging by items_data', async () => {
    const rids: string[] = [];
    for (let index = 0; index < 5; index++) rids.push(await uploadFromUrl(`paging-${index}.mp4`, 100 + index));
    for (const rid of rids) await ok('asset.set_meta', { rid, reference_id: 'ferry:list:same', caption: `Paging caption ${rid}`, tags: 'a,b' });
    await ok('asset.set_meta', { rid: rids[0]!, reference_id: 'ferry:list:same-but-longer' });

    const exact = await ok('asset.list', { reference_id: 'ferry:list:same', items_per_page: '2', page: '2' });
    expect(exact.items_data).toEqual({ page: 2, items_per_page: 2, items_count: 4, pages_count: 2 });
    expect((exact.items as unknown[]).length).toBe(2);
    const all: string[] = [];
    for (let page = 1; page <= 2; page++) {
      const body = await ok('asset.list', { reference_id: 'ferry:list:same', items_per_page: '2', page: String(page) });
      for (const item of body.items as { rid: string; reference_id: string }[]) {
        expect(item.reference_id).toBe('ferry:list:same');
        all.push(item.rid);
      }
    }
    expect(all.sort()).toEqual(rids.slice(1).sort());
    expect(((await ok('asset.list', { reference_id: 'ferry:list:sam' })).items as unknown[]).length).toBe(0);

    const byRid = (await ok('asset.list', { rid: rids[2]! })).items as Record<string, unknown>[];
    expect(byRid).toHaveLength(1);
    expect(byRid[0]).toMatchObject({ rid: rids[2], caption: `Paging caption ${rids[2]}`, tags: 'a,b', filename: 'paging-2.mp4', filesize: 102 });
    const search = (await ok('asset.list', { search: 'PAGING-3' })).items as { rid: string }[];
    expect(search.map((item) => item.rid)).toEqual([rids[3]]);
  });

  it('gallery.create is not idempotent; gallery.list finds by caption=<name>, paged', async () => {
    const first = await ok('gallery.create', { name: 'Twins' });
    const second = await ok('gallery.create', { name: 'Twins' });
    expect(first.fid).not.toBe(second.fid);
    expect(String(first.fid)).toMatch(/^[A-Za-z0-9]{6}_[A-Za-z0-9_]{5}$/);
    const listed = await ok('gallery.list', { search: 'caption=Twins', items_per_page: '1' });
    expect(listed.items_data).toMatchObject({ items_count: 2, pages_count: 2 });
    expect((listed.galleries as { name: string }[])[0]!.name).toBe('Twins');
  });

  it('gallery.add_item takes comma-separated rids, keeps a repeated rid twice (the default), honours insert_position', async () => {
    const { fid } = await ok('gallery.create', { name: 'Members' });
    const [a, b, c] = [await uploadFromUrl('m-a.mp4', 10), await uploadFromUrl('m-b.mp4', 10), await uploadFromUrl('m-c.mp4', 10)];
    expect(await ok('gallery.add_item', { fid: String(fid), rid: `${a},${b}` })).toMatchObject({ added: 2 });
    await ok('gallery.add_item', { fid: String(fid), rid: `${b},${a},${b}` });
    await ok('gallery.add_item', { fid: String(fid), rid: c!, insert_position: 'top' });
    const gallery = sandbox.inventory().cincopa.galleries.find((candidate) => candidate.fid === fid)!;
    expect(gallery.members).toEqual([c, a, b, b, a, b]);
    expect(gallery.doubles.sort()).toEqual([a, b].sort());
    const items = (await ok('gallery.get_items', { fid: String(fid), items_per_page: '2', page: '2' })) as { folder: { items: { rid: string }[]; items_data: Record<string, number> } };
    expect(items.folder.items.map((item) => item.rid)).toEqual([b, b]);
    expect(items.folder.items_data).toMatchObject({ items_count: 6, pages_count: 3 });
    expect((await call('gallery.add_item', { fid: String(fid), rid: 'NOPE' })).status).toBe(404);
  });

  it('asset.delete and gallery.delete with delete_assets=yes', async () => {
    const { fid } = await ok('gallery.create', { name: 'Doomed' });
    const rid = await uploadFromUrl('doomed.mp4', 10, { fid: String(fid) });
    const loner = await uploadFromUrl('loner.mp4', 10);
    await ok('asset.delete', { rid: loner });
    expect((await call('asset.delete', { rid: loner })).status).toBe(404);
    await ok('gallery.delete', { fid: String(fid), delete_assets: 'yes' });
    const inventory = sandbox.inventory().cincopa;
    expect(inventory.assets.some((asset) => asset.rid === rid || asset.rid === loner)).toBe(false);
    expect(inventory.galleries.some((gallery) => gallery.fid === fid)).toBe(false);
  });
});

describe('webhooks', () => {
  let receiver: Server;
  let hookUrl: string;
  const deliveries: { status: number; body: Record<string, unknown> & { event: string }; headers: Record<string, string | string[] | undefined> }[] = [];
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    // Refuses the first delivery of each event with a 500, so each one needs a retry.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> & { event: string };
        const attempt = (attempts.get(body.event) ?? 0) + 1;
        attempts.set(body.event, attempt);
        const status = attempt === 1 ? 500 : 200;
        deliveries.push({ status, body, headers: req.headers });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('set/list/delete, and flat asset.uploaded + asset.updated deliveries retried until 200', async () => {
    await ok('webhook.set', { hook_url: hookUrl, events: 'asset.uploaded,asset.updated', security_key: 'hook-secret' });
    const listed = (await ok('webhook.list')).webhooks as { hook_url: string; events: string }[];
    expect(listed).toEqual([{ hook_url: hookUrl, events: 'asset.uploaded,asset.updated' }]);
    expect(JSON.stringify(await (await fetch(`${sandbox.cincopa.url.replace(/\/v2$/, '')}/_sandbox/inventory`)).json())).not.toContain('hook-secret');

    const rid = await uploadFromUrl('hooked.mp4', 2048);
    await ok('asset.set_meta', { rid, reference_id: 'ferry:hooks:1' });
    const deadline = Date.now() + 5_000;
    while (sandbox.inventory().cincopa.webhookDeliveries < 2 && Date.now() < deadline) await sleep(20);

    const uploaded = deliveries.filter((delivery) => delivery.body.event === 'asset.uploaded');
    const updated = deliveries.filter((delivery) => delivery.body.event === 'asset.updated');
    expect(uploaded.map((delivery) => delivery.status)).toEqual([500, 200]); // retried after the refusal
    // The real shape (C2, C6): flat, the rid as `drid`, no envelope.
    expect(uploaded[1]!.body).toMatchObject({ event: 'asset.uploaded', drid: rid, filename: 'hooked.mp4', id: expect.any(Number), type: 'video', caption: 'hooked', reference_id: '', modified: expect.any(String) });
    expect(uploaded[1]!.body).not.toHaveProperty('data');
    expect(updated.map((delivery) => delivery.status)).toEqual([500, 200]);
    expect(updated[1]!.body).toMatchObject({ event: 'asset.updated', drid: rid, reference_id: 'ferry:hooks:1', filename: 'hooked.mp4' });
    // No source shows a signature or key header: none is invented.
    for (const delivery of deliveries) expect(JSON.stringify(delivery.headers)).not.toContain('hook-secret');
    expect(sandbox.inventory().cincopa.webhookDeliveries).toBe(2);

    await ok('webhook.delete', { hook_url: hookUrl });
    expect((await ok('webhook.list')).webhooks).toEqual([]);
    expect((await call('webhook.delete', { hook_url: hookUrl })).status).toBe(404);
  });
});

describe('the /_sandbox/ endpoints', () => {
  const base = (): string => sandbox.cincopa.url.replace(/\/v2$/, '');

  it('journal: masks api_token, filters by service and route', async () => {
    await ok('ping');
    const entries = (await (await fetch(`${base()}/_sandbox/journal?service=cincopa&route=ping`)).json()) as { route: string; params: Record<string, string> }[];
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.route).toBe('ping');
    const withToken = entries.filter((entry) => entry.params.api_token !== undefined);
    expect(withToken.length).toBeGreaterThan(0);
    for (const entry of withToken) expect(entry.params.api_token).toBe('***');
    const everything = JSON.stringify([sandbox.journal.entries(), await (await fetch(`${base()}/_sandbox/journal`)).text()]);
    expect(everything).not.toContain(sandbox.cincopa.apiToken);
  });

  it('faults: POST adds (validated), GET lists, DELETE clears', async () => {
    sandbox.faults.clear();
    const added = await fetch(`${base()}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ service: 'cincopa', route: 'asset.list', kind: 'status', status: 500, times: 1 }) });
    expect(added.status).toBe(200);
    expect((await call('asset.list')).status).toBe(500);
    expect((await call('asset.list')).status).toBe(200);
    const listed = (await (await fetch(`${base()}/_sandbox/faults`)).json()) as { used: number; route: string }[];
    expect(listed).toEqual([expect.objectContaining({ route: 'asset.list', used: 1 })]);
    const bad = await fetch(`${base()}/_sandbox/faults`, { method: 'POST', body: JSON.stringify([{ kind: 'status' }, { kind: 'boom' }]) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('rule 1');
    await fetch(`${base()}/_sandbox/faults`, { method: 'DELETE' });
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('inventory lists assets, galleries with members and webhooks, and no token', async () => {
    const inventory = (await (await fetch(`${base()}/_sandbox/inventory`)).json()) as { cincopa: { assets: unknown[]; galleries: { members: string[] }[] } };
    expect(inventory.cincopa.assets.length).toBe(sandbox.inventory().cincopa.assets.length);
    expect(inventory.cincopa.galleries.some((gallery) => gallery.members.length > 0)).toBe(true);
    expect(JSON.stringify(inventory)).not.toContain(sandbox.cincopa.apiToken);
  });
});
