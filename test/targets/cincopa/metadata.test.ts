// asset.set_meta labels the asset first (issue 8 #5): when the metadata makes a long request,
// the reference id goes in a call of its own before the long fields, so a server that refuses
// the long request (431) still leaves an asset later runs and verify can find. A refusal of a
// call with tags is retried without them, once per run.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import type { ItemRecord } from '../../../src/ledger/types.ts';
import { CincopaClient } from '../../../src/targets/cincopa/client.ts';
import { CincopaRun } from '../../../src/targets/cincopa/context.ts';
import { describe } from '../../../src/targets/cincopa/metadata.ts';
import type { StepContext } from '../../../src/targets/types.ts';
import { NO_TARGET_METRICS } from '../../../src/metrics/types.ts';

const calls: URLSearchParams[] = [];
let refuse: (params: URLSearchParams) => { status: number; body: string } | undefined = () => undefined;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    calls.push(params);
    const refusal = refuse(params);
    res.writeHead(refusal?.status ?? 200, { 'content-type': 'application/json' }).end(refusal?.body ?? '{"success":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const log = pino({ level: 'silent' });
const run = () =>
  new CincopaRun(new CincopaClient({ apiUrl: url, apiToken: 'token-123456', requestTimeoutMs: 5_000, scrub: (text) => text }), { mode: 'from_url', jobName: 'meta', poll: { firstMs: 1, maxMs: 1, factor: 1, jitter: 0 }, processingTimeoutMs: 1, chunkSizeBytes: 1, requestTimeoutMs: 5_000, submitGraceMs: 0, legacyReferenceIds: false }, log, (text) => text, NO_TARGET_METRICS);
const item = (fields: Record<string, string>): ItemRecord =>
  ({ key: 'k1', source: 'https://cdn.example/a.mp4', fields, size: null, mtimeMs: null, origin: 'm.csv:2', state: 'fetched', remote: { rid: 'R1' }, revision: 0 }) as unknown as ItemRecord;
const ctx = { log, signal: new AbortController().signal } as StepContext;

suite('asset.set_meta', () => {
  it('short metadata goes in one call with the label', async () => {
    calls.length = 0;
    refuse = () => undefined;
    await describe(run(), item({ title: 'Harbour', description: 'short', tags: 'a,b' }), ctx);
    expect(calls).toHaveLength(1);
    expect(Object.fromEntries(calls[0]!)).toMatchObject({ rid: 'R1', reference_id: 'ferry:meta:k1;', caption: 'Harbour', description: 'short', tags: 'a,b' });
  });

  it('long metadata: the label goes first on its own, so a refused long request leaves a labelled asset', async () => {
    calls.length = 0;
    refuse = (params) => (params.has('description') ? { status: 431, body: 'Request Header Fields Too Large' } : undefined);
    const error = await describe(run(), item({ title: 'Harbour', description: 'é'.repeat(1_000) }), ctx).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(calls).toHaveLength(2);
    expect(Object.fromEntries(calls[0]!)).toEqual({ api_token: 'token-123456', rid: 'R1', reference_id: 'ferry:meta:k1;', caption: 'Harbour' });
    expect(calls[1]!.get('description')).toHaveLength(1_000);
  });

  it('a call refused with tags is sent again without them, and the run stops sending tags', async () => {
    calls.length = 0;
    refuse = (params) => (params.has('tags') ? { status: 200, body: '{"success":false,"message":"unknown parameter"}' } : undefined);
    const shared = run();
    await describe(shared, item({ title: 'A', tags: 'x,y' }), ctx);
    await describe(shared, item({ title: 'B', tags: 'z' }), ctx);
    expect(calls.map((params) => params.has('tags'))).toEqual([true, false, false]);
    expect(shared.tagsRefused).toBe(true);
  });
});
