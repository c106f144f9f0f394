// Bad manifests through the CLI: a file-level problem stops the run with exit 2 before anything
// is uploaded and names file, line and reason; what was already done stays done.

import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { makeJobDir } from '../helpers/jobDir.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5 } });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('bad input', () => {
  it('a malformed manifest stops the run before any upload, and keeps what was done', async () => {
    const url = (name: string): string => `${sandbox.origin.url}/gen/${name}?size=100`;
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: [{ id: 'one', url: url('one.mp4'), title: 'One' }], name: 'broken' });
    expect((await runFerry(['run', job.jobFile, '--config', job.configFile])).code).toBe(0);
    const uploads = sandbox.journal.count({ route: 'asset.upload_from_url' });

    appendFileSync(path.join(job.dir, 'items.csv'), `two,${url('two.mp4')},Two\nthree,${url('three.mp4')},"unclosed\n`);
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/items\.csv:\d+: malformed CSV: .*Quote Not Closed.*Fix: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(sandbox.journal.count({ route: 'asset.upload_from_url' })).toBe(uploads);
    const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ counts: { done: 1 } });

    // Fixed manifest: only the new rows are uploaded.
    writeFileSync(path.join(job.dir, 'items.csv'), `id,url,title\none,${url('one.mp4')},One\ntwo,${url('two.mp4')},Two\n`);
    const fixed = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('1 new, 0 changed, 1 unchanged');
    expect(sandbox.journal.count({ route: 'asset.upload_from_url' })).toBe(uploads + 1);
  });

  it('names a glob root that does not exist', async () => {
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: [], name: 'noroot', job: { source: { type: 'glob', root: 'missing-folder' }, target: { type: 'cincopa', mode: 'direct' } } });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path.join(job.dir, 'missing-folder')}: the glob root does not exist. Fix: check source.root`);
  });
});
