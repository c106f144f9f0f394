// Rows that leave a manifest before their upload (a file deleted before the nightly run, a row
// removed from the CSV) are withdrawn by a plan that read the whole manifest: never uploaded,
// counted in the summary and the report, pending again when the row returns. A plan cut short
// by a manifest error withdraws nothing.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { reportRows, runFerry } from '../helpers/cli.ts';
import { assetsByReference } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5 } });
});
afterAll(async () => {
  await sandbox?.close();
});

async function states(job: { jobFile: string; configFile: string }): Promise<Record<string, string>> {
  return Object.fromEntries((await reportRows(job)).map((row) => [row.key, row.state]));
}

describe('withdrawn items', () => {
  it('a glob job withdraws a file deleted before its upload, and takes it up again when it returns', async () => {
    const job = makeJobDir({
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      rows: [],
      name: 'nightly-withdraw',
      job: { source: { type: 'glob', root: 'outbox', include: ['*.mp4'] }, target: { type: 'cincopa', mode: 'direct' } },
    });
    const outbox = path.join(job.dir, 'outbox');
    mkdirSync(outbox);
    for (const name of ['a', 'b', 'c']) writeFileSync(path.join(outbox, `${name}.mp4`), Buffer.alloc(5_000, name.charCodeAt(0)));
    const ferry = (...args: string[]) => runFerry([...args, job.jobFile, '--config', job.configFile]);
    expect((await ferry('run', '--plan-only')).code).toBe(0);

    renameSync(path.join(outbox, 'b.mp4'), path.join(job.dir, 'b.mp4.away'));
    const run = await ferry('run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 withdrawn \(rows no longer in the manifest\)/);
    expect(run.stdout).toMatch(/done 2 {2}skipped 0 {2}failed 0 {2}withdrawn 1 {2}not finished 0/);
    expect(await states(job)).toEqual({ 'a.mp4': 'done', 'b.mp4': 'withdrawn', 'c.mp4': 'done' });
    expect([...assetsByReference(sandbox.inventory(), 'ferry:nightly-withdraw:').keys()].sort()).toEqual(['ferry:nightly-withdraw:a.mp4', 'ferry:nightly-withdraw:c.mp4']);
    const status = await ferry('status', '--json');
    expect((JSON.parse(status.stdout) as { counts: Record<string, number> }).counts.withdrawn).toBe(1);

    renameSync(path.join(job.dir, 'b.mp4.away'), path.join(outbox, 'b.mp4'));
    const back = await ferry('run');
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/1 back in the manifest/);
    expect(await states(job)).toEqual({ 'a.mp4': 'done', 'b.mp4': 'done', 'c.mp4': 'done' });
    expect(assetsByReference(sandbox.inventory(), 'ferry:nightly-withdraw:').size).toBe(3);
  });

  it('removedPolicy keep uploads it anyway; a plan cut short by a manifest error withdraws nothing', async () => {
    const rows = ['k1', 'k2', 'k3'].map((id) => ({ id, url: `${sandbox.origin.url}/gen/${id}.mp4?size=900`, title: id }));
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'csv-withdraw' });
    const ferry = (...args: string[]) => runFerry([...args, job.jobFile, '--config', job.configFile]);
    expect((await ferry('run', '--plan-only')).code).toBe(0);
    // k3 removed, and the file broken after k1: the plan stops at the error and withdraws nothing.
    writeFileSync(path.join(job.dir, 'items.csv'), `id,url,title\nk1,${rows[0]!.url},k1\nk2,"${rows[1]!.url},k2\n`);
    const broken = await ferry('run');
    expect(broken.code).toBe(2);
    expect(Object.values(await states(job))).toEqual(['pending', 'pending', 'pending']);
    // The same removal with a whole manifest and removedPolicy keep: nothing withdrawn, all uploaded.
    writeFileSync(path.join(job.dir, 'items.csv'), `id,url,title\nk1,${rows[0]!.url},k1\nk2,${rows[1]!.url},k2\n`);
    const jobFile = JSON.parse(readFileSync(job.jobFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(job.jobFile, JSON.stringify({ ...jobFile, removedPolicy: 'keep' }));
    const kept = await ferry('run');
    expect(kept.code, kept.stderr).toBe(0);
    expect(await states(job)).toEqual({ k1: 'done', k2: 'done', k3: 'done' });
  });
});
