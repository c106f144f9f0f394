// Faults on the Cincopa emulator: 429 with Retry-After, 5xx, resets mid-body, a token refused
// mid-run, latency, and the processing faults of asset.upload_from_url (stuck, slow, failed).

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handlers } from '../../src/sandbox/cincopa/methods.ts';
import { retryAfter } from '../../src/sandbox/http.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

let sandbox: Sandbox;
/** Seeds the probabilistic rules; rerun a failure with FERRY_TEST_SEED=<seed>. */
const SEED = Number(process.env.FERRY_TEST_SEED ?? Date.now() % 1_000_000);

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 20 }, seed: SEED });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.journal.clear();
});

const api = (method: string, params: Record<string, string> = {}): Promise<Response> =>
  fetch(`${sandbox.cincopa.url}/${method}.json?${new URLSearchParams({ api_token: sandbox.cincopa.apiToken, ...params })}`);

async function json(method: string, params: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return (await (await api(method, params)).json()) as Record<string, unknown>;
}

async function statusAfter(method: 'asset.upload_from_url', name: string, waitMs: number): Promise<Record<string, unknown>> {
  const { status_id } = await json(method, { input: `${sandbox.origin.url}/gen/${name}?size=5000` });
  await sleep(waitMs);
  return json('asset.upload_from_url_get_status', { status_id: String(status_id) });
}

describe('transport faults', () => {
  it('rate-limit answers 429 with Retry-After and a JSON failure', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'asset.list', kind: 'rate-limit', retryAfterSec: 7, times: 1 });
    const limited = await api('asset.list');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ success: false });
    expect((await api('asset.list')).status).toBe(200);
  });

  it('rate-limit can give Retry-After as an HTTP date, rounded up to a whole second', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'asset.list', kind: 'rate-limit', retryAfterSec: 3, retryAfterFormat: 'http-date', times: 1 });
    const before = Date.now();
    const limited = await api('asset.list');
    expect(limited.status).toBe(429);
    const until = Date.parse(limited.headers.get('retry-after')!);
    expect(limited.headers.get('retry-after')).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(until).toBeGreaterThanOrEqual(before + 3_000 - 1_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 4_000);
    expect(retryAfter({ retryAfterSec: 2, retryAfterFormat: 'http-date' }, Date.UTC(2026, 0, 1, 0, 0, 0, 1))).toBe('Thu, 01 Jan 2026 00:00:03 GMT');
    expect(retryAfter({ retryAfterSec: 2 })).toBe('2');
  });

  it('lost-response works on every API method: the call is carried out (or refused), the answer never arrives', async () => {
    const { fid } = await json('gallery.create', { name: 'lost-answers' });
    const methods = Object.keys(handlers);
    expect(methods.length).toBeGreaterThanOrEqual(17);
    for (const method of methods) {
      sandbox.faults.add({ service: 'cincopa', route: method, kind: 'lost-response', times: 1 });
      await expect(api(method, { fid: String(fid), name: `lost ${method}` }), method).rejects.toThrow();
      expect(sandbox.journal.entries({ route: method }).at(-1), method).toMatchObject({ status: 0, fault: 'lost-response' });
      expect((await api('ping')).status).toBe(200); // nothing else is affected
    }
    // Carried out: the gallery.create whose answer was lost made its gallery.
    expect(sandbox.inventory().cincopa.galleries.filter((gallery) => gallery.name === 'lost gallery.create')).toHaveLength(1);
  });

  it('a seeded sandbox draws the same probabilistic faults for the same requests', async () => {
    const seed = SEED;
    const outcomes: number[][] = [];
    for (let round = 0; round < 2; round++) {
      const seeded = await startSandbox({ services: ['cincopa'], seed, faults: [{ service: 'cincopa', route: 'ping', kind: 'status', probability: 0.5 }] });
      try {
        const statuses: number[] = [];
        for (let index = 0; index < 20; index++) statuses.push((await fetch(`${seeded.cincopa.url}/ping.json?api_token=${seeded.cincopa.apiToken}`)).status);
        outcomes.push(statuses);
      } finally {
        await seeded.close();
      }
    }
    expect(outcomes[1], `seed ${seed} (rerun with FERRY_TEST_SEED=${seed})`).toEqual(outcomes[0]);
  });

  it('status answers 503 by default, or the status given', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'status', times: 1 });
    sandbox.faults.add({ service: 'cincopa', route: 'gallery.list', kind: 'status', status: 502, times: 1 });
    expect((await api('ping')).status).toBe(503);
    expect((await api('gallery.list')).status).toBe(502);
    expect((await api('ping')).status).toBe(200);
  });

  it('reset sends headers and part of the body, then drops the connection', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'reset', times: 1 });
    const response = await api('ping');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect((await api('ping')).status).toBe(200); // the next connection is fine
    expect(sandbox.journal.entries({ route: 'ping' }).map((entry) => [entry.status, entry.fault])).toEqual([
      [0, 'reset'],
      [200, undefined],
    ]);
  });

  it('auth refuses a valid token mid-run, with 403', async () => {
    expect((await api('ping')).status).toBe(200);
    sandbox.faults.add({ service: 'cincopa', route: '*', kind: 'auth', after: 1, times: 2 });
    const statuses = [];
    for (let index = 0; index < 4; index++) statuses.push((await api('ping')).status);
    expect(statuses).toEqual([200, 403, 403, 200]);
  });

  it('latency delays the answer and is journaled', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'latency', latencyMs: 150, times: 1 });
    const started = Date.now();
    expect((await api('ping')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sandbox.journal.entries({ route: 'ping' })[0]).toMatchObject({ status: 200, fault: 'latency' });
  });

  it('faults on the upload endpoint answer plain text with "error"', async () => {
    const { upload_url } = await json('asset.get_upload_url');
    sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'status', status: 500, times: 1 });
    const send = (): Promise<Response> => fetch(String(upload_url), { method: 'POST', body: Buffer.alloc(10), headers: { 'content-range': 'bytes 0-10/10', 'unique-id': 'f' } });
    const failed = await send();
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toContain('text/plain');
    expect(await failed.text()).toContain('error');
    expect(await (await send()).text()).toMatch(/new resource id \d+ \w+/);
  });

  it('probability and times on a live sandbox: about the chosen share fails, never more than times', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'status', probability: 0.5, times: 10 });
    const statuses: number[] = [];
    for (let index = 0; index < 60; index++) statuses.push((await api('ping')).status);
    const failures = statuses.filter((status) => status === 503).length;
    expect(failures, `seed ${SEED}`).toBe(10); // 60 draws at 0.5 reach 10 failures (the odds of fewer are ~1e-8)
    expect(statuses.slice(statuses.lastIndexOf(503) + 1).every((status) => status === 200)).toBe(true);
  });
});

describe('processing faults of asset.upload_from_url', () => {
  it('processing-stuck: the status stays inprogress, after the download, until aborted', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-stuck', times: 1 });
    const { status_id } = await json('asset.upload_from_url', { input: `${sandbox.origin.url}/gen/stuck.mp4?size=5000` });
    await sleep(300);
    const stuck = await json('asset.upload_from_url_get_status', { status_id: String(status_id) });
    expect(stuck).toMatchObject({ status: 'inprogress', progress_bytes: 5000, file_size_bytes: 5000 });
    expect(stuck.resid).toBeFalsy();
    await json('asset.upload_from_url_abort', { status_id: String(status_id) });
    expect(await json('asset.upload_from_url_get_status', { status_id: String(status_id) })).toMatchObject({ status: 'aborted' });
    expect(sandbox.journal.entries({ route: 'asset.upload_from_url' })[0]!.fault).toBe('processing-stuck');
    // The rule was used once: the next upload finishes.
    expect(await statusAfter('asset.upload_from_url', 'next.mp4', 200)).toMatchObject({ status: 'done' });
  });

  it('processing-slow: done only after latencyMs of processing', async () => {
    sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-slow', latencyMs: 400, times: 1 });
    const { status_id } = await json('asset.upload_from_url', { input: `${sandbox.origin.url}/gen/slow.mp4?size=5000` });
    await sleep(200);
    expect(await json('asset.upload_from_url_get_status', { status_id: String(status_id) })).toMatchObject({ status: 'inprogress', progress_bytes: 5000 });
    await sleep(400);
    expect(await json('asset.upload_from_url_get_status', { status_id: String(status_id) })).toMatchObject({ status: 'done', resid: expect.any(String) });
  });

  it('processing-failed: status failed with a reason in `more`, and no asset', async () => {
    const before = sandbox.inventory().cincopa.assets.length;
    sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-failed', times: 1 });
    const status = await statusAfter('asset.upload_from_url', 'broken.mp4', 200);
    expect(status.status).toBe('failed');
    expect(String(status.more)).toMatch(/processing failed/);
    expect(sandbox.inventory().cincopa.assets.length).toBe(before);
  });

  it('processing faults never touch other methods', async () => {
    sandbox.faults.add({ service: 'cincopa', route: '*', kind: 'processing-failed', times: 1 });
    expect((await api('ping')).status).toBe(200);
    expect(sandbox.faults.list()[0]!.used).toBe(0);
  });
});
