// End to end through the CLI with the ledger in PostgreSQL: `ferry run --ledger postgres://…`
// plans and uploads, then status, report and retry answer from the same database. A shared
// ledger takes no run lock file and writes no SQLite file; the URL's password appears nowhere.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { assetsByReference } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { describeWithPostgres } from '../helpers/postgres.ts';

describeWithPostgres('ferry with a PostgreSQL ledger', (database) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ cincopa: { processingMs: 20 } });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  /** The test database's URL with a password: trust authentication ignores it, the output must not show it. */
  const ledgerUrl = (): string => {
    const url = new URL(database().url);
    url.password = 'hunter2-not-shown';
    return url.toString();
  };

  it('plans and runs a job into it; status, report and retry answer from it', async () => {
    const rows = [
      { id: 'a', url: `${sandbox.origin.url}/gen/a.mp4?size=1000`, title: 'A' },
      { id: 'b', url: `${sandbox.origin.url}/gen/b.mp4?size=2000`, title: 'B' },
      { id: 'gone', url: `${sandbox.origin.url}/missing/gone.mp4`, title: 'Gone' },
    ];
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'pgjob' });
    const ledger = ['--config', job.configFile, '--ledger', ledgerUrl()];
    const run = await runFerry(['run', job.jobFile, ...ledger]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('3 new, 0 changed, 0 unchanged');
    expect(run.stdout).toContain('done 2  skipped 0  failed 1');
    expect([...assetsByReference(sandbox.inventory(), 'ferry:pgjob:').keys()].sort()).toEqual(['ferry:pgjob:a', 'ferry:pgjob:b']);
    expect(existsSync(job.ledgerFile)).toBe(false);
    expect(existsSync(`${job.ledgerFile}.lock`)).toBe(false);

    const status = await runFerry(['status', job.jobFile, ...ledger, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ job: 'pgjob', total: 3, counts: { done: 2, failed: 1 } });
    const report = await runFerry(['report', job.jobFile, ...ledger, '--only', 'failed']);
    expect(report.stdout).toMatch(/^gone,.*,failed,.*HTTP 404/m);
    const retry = await runFerry(['retry', job.jobFile, ...ledger]);
    expect(retry.stdout).toContain('1 failed item of job pgjob put back to pending');
    expect((await runFerry(['status', job.jobFile, ...ledger])).stdout).toMatch(/pending 1/);

    // The database keeps the job's definition, for a worker on another machine.
    const { rows: jobs } = await database().query<{ definition: { name: string; job: { target: { type: string } } } }>(`SELECT definition FROM ferry.jobs WHERE name = 'pgjob'`);
    expect(jobs[0]!.definition).toMatchObject({ name: 'pgjob', job: { target: { type: 'cincopa' } } });

    const again = await runFerry(['run', job.jobFile, ...ledger]);
    expect(again.stdout).toContain('0 new, 0 changed, 3 unchanged');
    expect(again.stdout).toContain('done 2  skipped 0  failed 1');
    for (const output of [run, status, report, retry, again]) expect(output.stdout + output.stderr).not.toContain('hunter2-not-shown');
  });

  it('a read-side verb for a job the database does not hold says so and exits 2', async () => {
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: [{ id: 'x', url: 'http://x/x.mp4', title: 'x' }], name: 'never-run' });
    const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--ledger', ledgerUrl()]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('job never-run has no ledger there yet');
    expect(status.stderr).toContain('Fix: run `ferry run');
    expect(status.stderr).not.toContain('hunter2-not-shown');
  });
});
