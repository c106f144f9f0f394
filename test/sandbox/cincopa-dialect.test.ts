// The two Cincopa dialects side by side: how upload_from_url reports progress and completion,
// how a refused token is reported on any call, and the settings that select each variant —
// at start, through configure(), and through POST /_sandbox/settings.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT_DEFAULTS, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { call, fetchToEnd, ok, ridOf, waitFor, type Body } from '../helpers/cincopaApi.ts';

let classic: Sandbox;
let alt: Sandbox;

beforeAll(async () => {
  [classic, alt] = await Promise.all([
    startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 20 } }),
    startSandbox({ services: ['cincopa', 'origin'], cincopa: { dialect: 'alt', processingMs: 20 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([classic?.close(), alt?.close()]);
});

describe('upload_from_url_get_status', () => {
  it('classic: inprogress, string progress, resid "" until known, then done + resid', async () => {
    classic.faults.add({ service: 'origin', route: 'GET', kind: 'latency', latencyMs: 1_000, times: 1 }); // the first status surely comes before the origin answers
    const { status_id } = await ok(classic.cincopa, 'asset.upload_from_url', { input: `${classic.origin.url}/gen/c.mp4?size=1000` });
    const first = await ok(classic.cincopa, 'asset.upload_from_url_get_status', { status_id: String(status_id) });
    expect(first).toMatchObject({ status: 'inprogress', progress: '0', resid: '', file_size_bytes: -1, more: '' });
    const last = await fetchToEnd(classic.cincopa, classic.origin.url, 'c2.mp4', 1000);
    expect(last).toMatchObject({ status: 'done', progress: '100', progress_bytes: 1000, file_size_bytes: 1000, resid: expect.stringMatching(/^A\w{8}$/) });
    expect(last).not.toHaveProperty('asset_id');
  });

  it('alt: pending/in_progress, numeric progress, then ready or completed with the rid under asset_id and/or rid — every combination within 6 uploads', async () => {
    alt.faults.add({ service: 'origin', route: 'GET', kind: 'latency', latencyMs: 1_000, times: 1 }); // the first status surely comes before the origin answers
    const { status_id } = await ok(alt.cincopa, 'asset.upload_from_url', { input: `${alt.origin.url}/gen/a.mp4?size=1000` });
    const first = await ok(alt.cincopa, 'asset.upload_from_url_get_status', { status_id: String(status_id) });
    expect(first).toMatchObject({ status: 'pending', progress: 0, file_size_bytes: -1 });
    for (const key of ['resid', 'asset_id', 'rid']) expect(first).not.toHaveProperty(key);
    await waitFor(() => ok(alt.cincopa, 'asset.upload_from_url_get_status', { status_id: String(status_id) }), (body) => body.status !== 'pending' && body.status !== 'in_progress');

    const combos = new Set<string>();
    const rids = new Set<string>();
    for (let index = 0; index < 6; index++) {
      const last = await fetchToEnd(alt.cincopa, alt.origin.url, `alt-${index}.mp4`, 500 + index);
      expect(['ready', 'completed']).toContain(last.status);
      expect(last.progress).toBe(100);
      expect(last).not.toHaveProperty('resid');
      const keys = ['asset_id', 'rid'].filter((key) => key in last);
      expect(keys.length).toBeGreaterThan(0);
      if (keys.length === 2) expect(last.asset_id).toBe(last.rid);
      combos.add(`${String(last.status)}:${keys.join('+')}`);
      rids.add(ridOf(last));
    }
    expect([...combos].sort()).toEqual(['completed:asset_id', 'completed:asset_id+rid', 'completed:rid', 'ready:asset_id', 'ready:asset_id+rid', 'ready:rid']);
    const assets = alt.inventory().cincopa.assets;
    for (const rid of rids) expect(assets.some((asset) => asset.rid === rid)).toBe(true);
  });

  it('a failed fetch: classic says why in `more`, alt in `error_message`', async () => {
    for (const [sandbox, field] of [[classic, 'more'], [alt, 'error_message']] as const) {
      const { status_id } = await ok(sandbox.cincopa, 'asset.upload_from_url', { input: `${sandbox.origin.url}/missing/file.mp4` });
      const last = await waitFor(() => ok(sandbox.cincopa, 'asset.upload_from_url_get_status', { status_id: String(status_id) }), (body) => body.status === 'failed');
      expect(String(last[field])).toContain('404');
    }
  });

  it("'processing-no-id': a terminal success status naming no rid at all, though the asset exists", async () => {
    for (const sandbox of [classic, alt]) {
      const before = sandbox.inventory().cincopa.assets.length;
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-no-id', times: 1 });
      const last = await fetchToEnd(sandbox.cincopa, sandbox.origin.url, 'no-id.mp4', 700);
      expect(['done', 'ready', 'completed']).toContain(last.status);
      for (const key of ['resid', 'asset_id', 'rid']) expect(last).not.toHaveProperty(key);
      const assets = sandbox.inventory().cincopa.assets;
      expect(assets).toHaveLength(before + 1);
      expect(assets.at(-1)).toMatchObject({ filename: 'no-id.mp4', reference_id: '' });
      expect(sandbox.journal.entries({ route: 'asset.upload_from_url' }).at(-1)!.fault).toBe('processing-no-id');
    }
  });
});

describe('refused credentials', () => {
  const methods: [string, Record<string, string>][] = [
    ['ping', {}],
    ['asset.list', {}],
    ['asset.set_meta', { rid: 'X' }],
    ['gallery.add_item', { fid: 'F', rid: 'X' }],
    ['asset.upload_from_url_get_status', { status_id: 'S' }],
  ];

  it('classic: HTTP 403 on any call, for a wrong token and for an auth fault', async () => {
    for (const [method, params] of methods) {
      const wrong = await call(classic.cincopa, method, params, { token: 'wrong' });
      expect(wrong.status, method).toBe(403);
      expect(wrong.body).toMatchObject({ success: false, message: expect.stringMatching(/api_token/) });
    }
    classic.faults.add({ service: 'cincopa', route: '*', kind: 'auth', times: 1 });
    classic.faults.add({ service: 'cincopa', route: 'ping', kind: 'auth', status: 401, times: 1 });
    expect((await call(classic.cincopa, 'asset.list')).status).toBe(403);
    expect((await call(classic.cincopa, 'ping')).status).toBe(401);
    expect((await call(classic.cincopa, 'ping')).status).toBe(200);
  });

  it('alt: HTTP 200 + success:false with an access/token message on any call — wrong token, or an auth fault mid-run whatever its status', async () => {
    const messages = new Set<string>();
    for (const [method, params] of methods) {
      const wrong = await call(alt.cincopa, method, params, { token: 'wrong' });
      expect(wrong.status, method).toBe(200);
      expect(wrong.body.success).toBe(false);
      expect(String(wrong.body.message)).toMatch(/access|token|unauthori/i);
      messages.add(String(wrong.body.message));
    }
    expect(messages.size).toBeGreaterThan(1); // more than one wording: no client may key on one sentence
    expect((await call(alt.cincopa, 'ping')).status).toBe(200);
    alt.faults.add({ service: 'cincopa', route: 'asset.list', kind: 'auth', status: 401, after: 1, times: 1 });
    expect((await call(alt.cincopa, 'asset.list')).body.success).toBe(true);
    const revoked = await call(alt.cincopa, 'asset.list');
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ success: false, message: expect.stringMatching(/access|token|unauthori/i) });
  });
});

describe('settings', () => {
  it('each dialect has its defaults; alt takes the other side of every unknown', () => {
    expect(classic.cincopa.settings).toMatchObject({ dialect: 'classic', failureStyle: 'http', authStyle: 'http', referenceMatch: 'exact', setMetaTags: 'store', addItemUnknownRid: 'refuse', galleryDoubles: 'keep', maxUrlBytes: 8192, urlTooLongStatus: 431 });
    expect(alt.cincopa.settings).toMatchObject({ dialect: 'alt', failureStyle: 'success-false', authStyle: 'success-false', referenceMatch: 'substring', setMetaTags: 'refuse', addItemUnknownRid: 'ignore', galleryDoubles: 'keep', progressAs: 'number', uniqueId: 'numeric' });
    expect(DIALECT_DEFAULTS.alt.doneStatuses).toEqual(['ready', 'completed']);
  });

  it('explicit settings win over the dialect, also when the dialect changes later; bad ones are refused by name', async () => {
    const sandbox = await startSandbox({ services: ['cincopa'], cincopa: { dialect: 'alt', referenceMatch: 'exact' } });
    try {
      expect(sandbox.cincopa.settings).toMatchObject({ dialect: 'alt', referenceMatch: 'exact', setMetaTags: 'refuse' });
      const base = sandbox.cincopa.url.replace(/\/v2$/, '');
      const changed = await fetch(`${base}/_sandbox/settings`, { method: 'POST', body: JSON.stringify({ dialect: 'classic', galleryDoubles: 'dedupe' }) });
      expect(await changed.json()).toMatchObject({ dialect: 'classic', referenceMatch: 'exact', setMetaTags: 'store', galleryDoubles: 'dedupe', failureStyle: 'http' });
      expect(sandbox.cincopa.settings.galleryDoubles).toBe('dedupe'); // the live object
      const bad = await fetch(`${base}/_sandbox/settings`, { method: 'POST', body: JSON.stringify({ referenceMatch: 'fuzzy' }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('referenceMatch');
      expect(() => sandbox.cincopa.configure({ maxUrlBytes: -1 })).toThrow();
      expect(await (await fetch(`${base}/_sandbox/settings`)).json()).toMatchObject({ dialect: 'classic' });
    } finally {
      await sandbox.close();
    }
  });

  it('doneStatuses and ridKeys are configurable', async () => {
    const sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5, doneStatuses: ['finished'], ridKeys: [['resid', 'rid']] } });
    try {
      const last: Body = await fetchToEnd(sandbox.cincopa, sandbox.origin.url, 'f.mp4', 100);
      expect(last).toMatchObject({ status: 'finished', resid: expect.any(String) });
      expect(last.rid).toBe(last.resid);
    } finally {
      await sandbox.close();
    }
  });
});

describe('lists', () => {
  it('alt spells gallery.list\'s page count page_count; classic pages_count', async () => {
    for (const sandbox of [classic, alt]) await ok(sandbox.cincopa, 'gallery.create', { name: 'spelled' });
    expect((await ok(classic.cincopa, 'gallery.list')).items_data).toHaveProperty('pages_count');
    const altData = (await ok(alt.cincopa, 'gallery.list')).items_data;
    expect(altData).toHaveProperty('page_count');
    expect(altData).not.toHaveProperty('pages_count');
  });

  it('asset lists show the real fields and type music, never the sandbox\'s md5', async () => {
    const last = await fetchToEnd(classic.cincopa, classic.origin.url, 'song.mp3', 300);
    const [item] = (await ok(classic.cincopa, 'asset.list', { rid: ridOf(last) })).items as Record<string, unknown>[];
    expect(item).toMatchObject({ type: 'music', filename: 'song.mp3', caption: 'song', filesize: 300, uploaded: expect.any(String), modified: expect.any(String), related_link_url: '' });
    expect(item).not.toHaveProperty('md5');
  });
});
