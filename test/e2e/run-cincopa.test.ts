// End to end through the CLI: a CSV manifest to a Cincopa gallery via upload_from_url, with
// the platform's contents, the ledger's report and the logs checked — including that the
// token appears nowhere.

import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedContentMd5 } from '../../src/sandbox/origin.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { assetsByReference, galleryMembers } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { waitFor } from '../helpers/wait.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ cincopa: { processingMs: 20 } });
});
afterAll(async () => {
  await sandbox?.close();
});

const row = (id: string, name: string, size: number, title = `Title ${id}`): Record<string, string> => ({ id, url: `${sandbox.origin.url}/gen/${name}?size=${size}`, title });

describe('ferry run → Cincopa from_url', () => {
  it('uploads every item, describes it, adds it to the gallery, and reports it', async () => {
    const rows = [row('a', 'alpha.mp4', 300_000), row('b', 'beta.mp4', 1_200_000, 'Beta, "quoted"'), row('c', 'gamma.mov', 5)];
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'happy' });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('done 3  skipped 0  failed 0');

    const inventory = sandbox.inventory();
    const byReference = assetsByReference(inventory, 'ferry:happy:');
    expect([...byReference.keys()].sort()).toEqual(['ferry:happy:a', 'ferry:happy:b', 'ferry:happy:c']);
    const beta = byReference.get('ferry:happy:b')![0]!;
    expect(beta.caption).toBe('Beta, "quoted"');
    expect(beta.filesize).toBe(1_200_000);
    expect(beta.md5).toBe(await generatedContentMd5('beta.mp4', 1_200_000)); // the bytes really travelled
    expect(galleryMembers(inventory, 'e2e gallery').sort()).toEqual([...byReference.values()].map((assets) => assets[0]!.rid).sort());

    const report = await runFerry(['report', job.jobFile, '--config', job.configFile]);
    expect(report.code).toBe(0);
    const lines = report.stdout.trim().split('\n');
    expect(lines[0]).toBe('key,source,state,remote_id,attempts,error,bytes,started_at,finished_at,duration_ms,origin');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(new RegExp(`^b,http://127\\.0\\.0\\.1:\\d+/gen/beta\\.mp4\\?size=1200000,done,${beta.rid},0,,1200000,`));

    // The token was in the config and on every request URL: it must be in no output at all.
    for (const text of [run.stdout, run.stderr, report.stdout, report.stderr]) expect(text).not.toContain(sandbox.cincopa.apiToken);
  });

  it('--plan-only plans the manifest, uploads nothing and needs no token; the next run uploads what was planned', async () => {
    const rows = [row('p1', 'p1.mp4', 1000), row('p2', 'p2.mp4', 1000), { id: 'p3', url: '', title: 'no url' }];
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'preview', config: { cincopa: { apiUrl: sandbox.cincopa.url, pollIntervalMs: 50 }, runner: { progressIntervalMs: 1 } } });
    const requestsBefore = sandbox.journal.count({ service: 'cincopa' });
    const preview = await runFerry(['run', job.jobFile, '--config', job.configFile, '--plan-only']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/planned in [\d.]+ s(?: \([\d,]+ rows\/s\))?: 2 new, 0 changed, 0 unchanged, 0 duplicate keys, 1 rejected rows/);
    expect(preview.stdout).toContain('nothing uploaded (--plan-only)');
    expect(preview.stderr).toMatch(/"rows":3,"msg":"planning: rows so far"/);
    expect(sandbox.journal.count({ service: 'cincopa' })).toBe(requestsBefore);
    const status = await runFerry(['status', job.jobFile, '--config', job.configFile]);
    expect(status.stdout).toMatch(/pending 2/);
    expect(status.stdout).toMatch(/failed 1/);

    // Without a token a real run stops at once; with one it uploads the planned items.
    const refused = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(refused.code).toBe(2);
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile], { env: { CINCOPA_API_TOKEN: sandbox.cincopa.apiToken } });
    expect(run.code).toBe(1); // the rejected row stays failed
    expect(run.stdout).toContain('0 new, 0 changed, 2 unchanged');
    expect(run.stdout).toContain('done 2  skipped 0  failed 1');
    expect([...assetsByReference(sandbox.inventory(), 'ferry:preview:').keys()].sort()).toEqual(['ferry:preview:p1', 'ferry:preview:p2']);
  });

  it('a re-run uploads nothing again; a new manifest row is the only new upload', async () => {
    const rows = [row('x1', 'x1.mp4', 1000), row('x2', 'x2.mp4', 1000)];
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'rerun' });
    expect((await runFerry(['run', job.jobFile, '--config', job.configFile])).code).toBe(0);
    const submitsBefore = sandbox.journal.count({ route: 'asset.upload_from_url' });

    const again = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 new, 0 changed, 2 unchanged');
    expect(sandbox.journal.count({ route: 'asset.upload_from_url' })).toBe(submitsBefore);

    const csv = readFileSync(`${job.dir}/items.csv`, 'utf8');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${job.dir}/items.csv`, `${csv}x3,${sandbox.origin.url}/gen/x3.mp4?size=1000,Third\n`);
    const third = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('1 new, 0 changed, 2 unchanged');
    expect(sandbox.journal.count({ route: 'asset.upload_from_url' })).toBe(submitsBefore + 1);
    expect(assetsByReference(sandbox.inventory(), 'ferry:rerun:').size).toBe(3);
  });

  it('fails only the items whose source is missing, exits 1, and lists them in the failed report', async () => {
    const rows = [row('ok', 'fine.mp4', 2000), { id: 'gone', url: `${sandbox.origin.url}/missing/nothing.mp4`, title: 'Gone' }, { id: 'bad', url: 'ftp://example.com/x.mp4', title: 'Bad' }];
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'partial' });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('done 1  skipped 0  failed 2');
    const failed = await runFerry(['report', job.jobFile, '--config', job.configFile, '--only', 'failed']);
    const lines = failed.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(failed.stdout).toMatch(/gone,.*failed,.*HTTP 404/);
    expect(failed.stdout).toMatch(/bad,.*failed,.*not an http\(s\) URL/);
    expect(assetsByReference(sandbox.inventory(), 'ferry:partial:').size).toBe(1);
  });

  it('refuses a second run of a job that is running, naming the holder', async () => {
    // The first run's only submission answers after 4 s: it holds the lock at least that long
    // after taking it (the journal records a request only once answered, so the lock file is the sign).
    sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'latency', latencyMs: 4000, times: 1 });
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: [row('slow', 'slow.mp4', 100)], name: 'overlap' });
    const first = runFerry(['run', job.jobFile, '--config', job.configFile]);
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await waitFor(() => existsSync(`${job.ledgerFile}.lock`), 'the first run to take the run lock');
    const holder = JSON.parse(readFileSync(`${job.ledgerFile}.lock`, 'utf8')) as { pid: number };
    const second = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(firstDone, 'the first run ended before the second started: the overlap was not tested').toBe(false);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`already running: pid ${holder.pid} on host .+ since \\d{4}-`));
    expect((await first).code).toBe(0);
  });

  it('answers ferry status from another shell while a run is live', async () => {
    // 32 descriptions of 400 ms, two at a time: the run is live for about six seconds.
    sandbox.faults.add({ service: 'cincopa', route: 'asset.set_meta', kind: 'latency', latencyMs: 400 });
    const rows = Array.from({ length: 32 }, (_, index) => row(`live${index}`, `live${index}.mp4`, 100));
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'live', config: { runner: { concurrency: 2 } } });
    const running = runFerry(['run', job.jobFile, '--config', job.configFile]);
    let runDone = false;
    void running.then(() => (runDone = true));
    await waitFor(() => sandbox.journal.entries({ route: 'asset.set_meta' }).some((entry) => (entry.params.reference_id ?? '').startsWith('ferry:live:')), 'the run to describe its first item');
    const started = Date.now();
    const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
    expect(runDone, 'the run ended before status answered: status was not read while it was live').toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status.code, status.stderr).toBe(0);
    const view = JSON.parse(status.stdout) as { total: number; finished: number };
    expect(view.total).toBe(32);
    expect(view.finished).toBeLessThan(32);
    expect((await running).code).toBe(0);
    sandbox.faults.clear();
    const text = await runFerry(['status', job.jobFile, '--config', job.configFile]);
    expect(text.stdout).toContain('job live: 32/32 finished (100%)');
  });

  it('stops with exit 3 when the token is refused, and nothing is marked failed', async () => {
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: 'wrong-token-123456', rows: [row('t', 't.mp4', 100)], name: 'auth' });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Cincopa refused the API token');
    expect(run.stderr).not.toContain('wrong-token-123456');
    const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ total: 1, counts: { pending: 1 } });
  });
});

