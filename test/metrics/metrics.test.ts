// The metrics registry and its /metrics endpoint: every family ferry promises is exposed with
// its labels, a registry belongs to one run (no global state), the exposition passes
// `promtool check metrics`, and the server answers only GET /metrics.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ItemState, type LedgerStats } from '../../src/ledger/types.ts';
import { FerryMetrics } from '../../src/metrics/ferryMetrics.ts';
import { observeRequest } from '../../src/metrics/observeRequest.ts';
import { serveMetrics, type MetricsServer } from '../../src/metrics/server.ts';
import { PauseGate } from '../../src/pipeline/pauseGate.ts';
import { PROMTOOL, PROMTOOL_REQUIRED, PROMTOOL_SKIP_NOTE, promtoolCheckMetrics } from '../helpers/promtool.ts';

const silent = pino({ level: 'silent' });

function stats(counts: Partial<Record<ItemState, number>>, bytesDone = 0): LedgerStats {
  const all = Object.fromEntries(Object.values(ItemState).map((state) => [state, counts[state] ?? 0])) as Record<ItemState, number>;
  return { counts: all, total: Object.values(all).reduce((sum, count) => sum + count, 0), recentlyFinished: 0, windowMs: 60_000, topErrors: [], bytesDone };
}

/** A registry with one of everything, as a run would leave it. */
function exercised(): FerryMetrics {
  const metrics = new FerryMetrics();
  metrics.target.request('cincopa', 'asset.upload_from_url', 200, 0.12);
  metrics.target.request('cincopa', 'asset.upload_from_url', 429, 0.05);
  metrics.target.request('cincopa', 'upload', 'network', 30);
  metrics.target.bytesSent('cincopa', 52_428_800);
  metrics.target.tokenRefresh('cintoo');
  const runner = metrics.runner('nightly');
  runner.retry('submitted');
  runner.retry('submitted');
  runner.paused(true, 2_000);
  runner.paused(false, 500);
  runner.observeLoad(() => ({ queued: 5, active: 8, inFlight: 17 }));
  metrics.ledger('nightly', stats({ pending: 3, submitted: 2, done: 10, failed: 1 }, 123_456));
  return metrics;
}

/** The value of one series in an exposition, or undefined. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ferry metrics', () => {
  it('exposes items by state and job, requests by target, method and status, bytes, retries, pauses, load and token refreshes', async () => {
    const text = await exercised().exposition();
    expect(sample(text, 'ferry_items{ferry_job="nightly",state="done"}')).toBe(10);
    expect(sample(text, 'ferry_items{ferry_job="nightly",state="pending"}')).toBe(3);
    expect(sample(text, 'ferry_items{ferry_job="nightly",state="uploading"}')).toBe(0); // every state, zeros too
    expect(sample(text, 'ferry_items_done_bytes{ferry_job="nightly"}')).toBe(123_456);
    expect(sample(text, 'ferry_requests_total{target="cincopa",method="asset.upload_from_url",status="200"}')).toBe(1);
    expect(sample(text, 'ferry_requests_total{target="cincopa",method="asset.upload_from_url",status="429"}')).toBe(1);
    expect(sample(text, 'ferry_requests_total{target="cincopa",method="upload",status="network"}')).toBe(1);
    expect(sample(text, 'ferry_request_duration_seconds_count{target="cincopa",method="asset.upload_from_url"}')).toBe(2);
    expect(sample(text, 'ferry_upload_bytes_total{target="cincopa"}')).toBe(52_428_800);
    expect(sample(text, 'ferry_token_refreshes_total{target="cintoo"}')).toBe(1);
    expect(sample(text, 'ferry_retries_total{ferry_job="nightly",state="submitted"}')).toBe(2);
    expect(sample(text, 'ferry_rate_limit_pauses_total{ferry_job="nightly"}')).toBe(1);
    expect(sample(text, 'ferry_rate_limit_pause_seconds_total{ferry_job="nightly"}')).toBe(2.5);
    expect(sample(text, 'ferry_queue_depth{ferry_job="nightly"}')).toBe(5);
    expect(sample(text, 'ferry_steps_in_progress{ferry_job="nightly"}')).toBe(8);
    expect(sample(text, 'ferry_items_in_flight{ferry_job="nightly"}')).toBe(17);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });

  it('keeps each registry to itself: no global state between runs', async () => {
    exercised();
    const fresh = await new FerryMetrics().exposition();
    expect(fresh).not.toMatch(/^ferry_requests_total\{/m);
    expect(fresh).not.toMatch(/^ferry_items\{/m);
  });

  it('drops a finished run from the live load gauges', async () => {
    const metrics = new FerryMetrics({ processMetrics: false });
    const unobserve = metrics.runner('a').observeLoad(() => ({ queued: 1, active: 1, inFlight: 1 }));
    expect(sample(await metrics.exposition(), 'ferry_items_in_flight{ferry_job="a"}')).toBe(1);
    unobserve();
    expect(sample(await metrics.exposition(), 'ferry_items_in_flight{ferry_job="a"}')).toBeUndefined();
  });

  it('observeRequest reports the status, "network" when no answer came and "aborted" when ferry cancelled', async () => {
    const calls: [string, string, unknown][] = [];
    const recorder = { request: (target: string, method: string, status: unknown) => void calls.push([target, method, status]), bytesSent: () => undefined, tokenRefresh: () => undefined };
    await observeRequest(recorder, { target: 't', method: 'm' }, async () => ({ statusCode: 503 }));
    await expect(observeRequest(recorder, { target: 't', method: 'm' }, () => Promise.reject(new Error('ECONNRESET')))).rejects.toThrow();
    const aborted = AbortSignal.abort();
    await expect(observeRequest(recorder, { target: 't', method: 'm', signal: aborted }, () => Promise.reject(new Error('aborted')))).rejects.toThrow();
    expect(calls).toEqual([['t', 'm', 503], ['t', 'm', 'network'], ['t', 'm', 'aborted']]);
  });

  it('counts a pause when the gate closes and the seconds it adds, not each item that meets the same 429', () => {
    const events: [boolean, number][] = [];
    const gate = new PauseGate((started, addedMs) => events.push([started, addedMs]));
    gate.pauseFor(1_000, 10_000); // closes: a pause of 1 s
    gate.pauseFor(1_000, 10_000); // the same 429 seen by a batch's other members: nothing new
    gate.pauseFor(500, 10_200); // within the pause: nothing added
    gate.pauseFor(2_000, 10_500); // extends it by 1.5 s
    gate.pauseFor(1_000, 20_000); // open again: a new pause
    expect(events).toEqual([[true, 1_000], [false, 1_500], [true, 1_000]]);
  });

  it.skipIf(!PROMTOOL && !PROMTOOL_REQUIRED)(`the exposition passes promtool check metrics${PROMTOOL_SKIP_NOTE}`, async () => {
    const { code, output } = await promtoolCheckMetrics(await exercised().exposition());
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});

describe('the /metrics endpoint', () => {
  let server: MetricsServer;
  beforeAll(async () => {
    server = await serveMetrics({ port: 0, host: '127.0.0.1', metrics: exercised(), log: silent });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the exposition on GET /metrics in the Prometheus text format', async () => {
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toMatch(/^ferry_items\{ferry_job="nightly",state="done"\} 10$/m);
  });

  it('answers anything else with 404 and where to look', async () => {
    const response = await fetch(server.url.replace(/\/metrics$/, '/'));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('GET /metrics');
  });

  it('refuses a port in use with a usage error that names the port and the fix', async () => {
    const port = Number(new URL(server.url).port);
    await expect(serveMetrics({ port, host: '127.0.0.1', metrics: new FerryMetrics(), log: silent })).rejects.toThrow(new RegExp(`--metrics-port ${port}: .*in use.*Fix: choose another port`));
  });
});
