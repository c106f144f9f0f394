// `ferry work` end to end: `ferry run --store --plan-only` registers and plans a job in
// PostgreSQL, then workers started with nothing but the store URL and their own config serve
// it to the end; SIGTERM drains a worker (exit 0, leases given back).

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, runFerry } from '../helpers/cli.ts';
import { assetsByReference } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { describeWithPostgres } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait.ts';

describeWithPostgres('ferry work on a shared PostgreSQL ledger', (database) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ cincopa: { processingMs: 20 }, services: ['cincopa', 'origin'] });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('two workers serve a job another machine planned; status answers from the store', { timeout: 120_000 }, async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ id: `k${i}`, url: `${sandbox.origin.url}/gen/v${i}.mp4?size=${1000 + i}`, title: `V${i}` }));
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'fleetbasic' });
    const store = ['--store', database().url];
    const plan = await runFerry(['run', job.jobFile, '--config', job.configFile, ...store, '--plan-only']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('20 new');

    // The workers get the config (the sandbox's token) but not the job file: the store has it.
    const workers = await Promise.all([0, 1].map(() => runFerry(['work', ...store, '--config', job.configFile, '--exit-when-idle'], { timeoutMs: 60_000 })));
    for (const worker of workers) expect(worker.code, worker.stderr).toBe(0);
    expect(workers.every((worker) => worker.stderr.includes('job finished'))).toBe(true);

    const assets = assetsByReference(sandbox.inventory(), 'ferry:fleetbasic:');
    expect(assets.size).toBe(20);
    expect([...assets.values()].every((copies) => copies.length === 1)).toBe(true);
    const galleries = sandbox.inventory().cincopa.galleries.filter((gallery) => gallery.name === 'e2e gallery');
    expect(galleries).toHaveLength(1);
    expect(new Set(galleries[0]!.members).size).toBe(20);

    const status = await runFerry(['status', job.jobFile, '--config', job.configFile, ...store, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ job: 'fleetbasic', total: 20, counts: { done: 20 } });
    // From any machine: the job by its name, and the whole fleet, without the job file.
    const byName = await runFerry(['status', 'fleetbasic', ...store]);
    expect(byName.stdout, byName.stderr).toContain('job fleetbasic: 20/20 finished');
    const fleet = await runFerry(['status', ...store, '--json']);
    expect(JSON.parse(fleet.stdout), fleet.stderr).toMatchObject({ jobs: [{ job: 'fleetbasic', total: 20, counts: { done: 20 }, workers: [] }] });
  });

  it('an idle worker waits for work and drains on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [FERRY_BIN, 'work', '--store', database().url, '--idle-max', '1'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor(() => stderr.includes('worker started'), 'the worker to start', 20_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('draining');
  });

  it('refuses a store that is not PostgreSQL, naming the fix', async () => {
    const result = await runFerry(['work', '--store', '/tmp/some.sqlite']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('postgres://');
  });

  it('names an unreachable store with the fix, for work and for the fleet status (no defect report)', async () => {
    for (const args of [['work', '--exit-when-idle'], ['status']]) {
      const result = await runFerry([...args, '--store', 'postgres://postgres@127.0.0.1:1/nowhere']);
      expect(result.code, args[0]).toBe(2);
      expect(result.stderr, args[0]).toMatch(/cannot open the ledger: .*Fix: check the ledger URL/);
      expect(result.stderr, args[0]).not.toMatch(/unexpected error/);
    }
  });
});
