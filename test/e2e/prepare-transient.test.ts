// Transient failures before the first item (credential check, gallery lookup) are retried with
// the runner's backoff within runner.prepareTimeoutMs; a platform that stays unavailable ends
// the run with exit 75 and one line — never a stack trace, never "defect", never exit 1.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { makeJobDir } from '../helpers/jobDir.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ cincopa: { processingMs: 10 }, services: ['cincopa', 'origin'] });
});
afterAll(async () => {
  await sandbox?.close();
});

const rows = (prefix: string, count: number): Record<string, string>[] =>
  Array.from({ length: count }, (_, index) => ({ id: `${prefix}-${index}`, url: `${sandbox.origin.url}/gen/${prefix}-${index}.mp4?size=${1000 + index}`, title: `${prefix} ${index}` }));

const jobFor = (name: string, prepareTimeoutMs: number) =>
  makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: rows(name, 3), name, config: { runner: { backoffBaseMs: 20, backoffMaxMs: 100, prepareTimeoutMs } } });

describe('transient errors while preparing a run', () => {
  it('rides out 429s and 5xx on ping and gallery.list, then uploads everything', async () => {
    sandbox.faults.clear();
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'rate-limit', retryAfterSec: 0.1, times: 2 });
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'status', status: 500, times: 1 });
    sandbox.faults.add({ service: 'cincopa', route: 'gallery.list', kind: 'status', status: 503, times: 2 });
    const job = jobFor('flaky', 30_000);
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('done 3');
    expect(run.stderr).not.toMatch(/defect/);
    expect(sandbox.journal.entries({ route: 'ping' }).filter((entry) => entry.status === 429)).toHaveLength(2);
  });

  it('exits 75 with one line when the platform stays unavailable, and nothing is lost', async () => {
    sandbox.faults.clear();
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'status', status: 503 });
    const job = jobFor('down', 300);
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    sandbox.faults.clear();
    expect(run.code, run.stderr).toBe(75);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('ferry: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/platform unavailable: .*Nothing was uploaded or lost/);
    expect(run.stderr).not.toMatch(/defect|\n\s+at /);
    // The plan is kept: the next run continues with the same three items.
    const again = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 new, 0 changed, 3 unchanged/);
    expect(again.stdout).toContain('done 3');
  });

  it('ferry validate retries too, and exits 75 when the platform stays unavailable', async () => {
    sandbox.faults.clear();
    sandbox.faults.add({ service: 'cincopa', route: 'ping', kind: 'reset' });
    const job = jobFor('validate-down', 300);
    const result = await runFerry(['validate', job.jobFile, '--config', job.configFile]);
    sandbox.faults.clear();
    expect(result.code, result.stderr).toBe(75);
    expect(result.stderr).toMatch(/^ferry: platform unavailable: checking the cincopa credentials/m);
    expect(result.stderr).not.toMatch(/defect/);
  });
});
