// On Node 22.13–22.17 bin/ferry.js re-launches itself with --experimental-strip-types, so the pid
// an operator, systemd or a crash test signals is a wrapper. FERRY_FORCE_CHILD=1 takes that path
// on this Node too. The pair must act as one process: signals reach the run once, the wrapper
// exits as the run did, and a SIGKILLed wrapper leaves no run behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, runFerry } from '../helpers/cli.ts';
import { assetsByReference } from '../helpers/inventory.ts';
import { makeJobDir, type JobDir } from '../helpers/jobDir.ts';
import { childrenOf, isRunning, waitFor } from '../helpers/wait.ts';

let sandbox: Sandbox;
/** Items of a job that a run describes in about 400 ms × ITEMS / 2: seconds of work left when it is signalled. */
const ITEMS = 16;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5 } });
  // Each description takes a while: a run stays live long enough to be signalled mid-way.
  sandbox.faults.add({ service: 'cincopa', route: 'asset.set_meta', kind: 'latency', latencyMs: 400 });
});
afterAll(async () => {
  await sandbox?.close();
});

function job(name: string, items = 8): JobDir {
  const rows = Array.from({ length: items }, (_, index) => ({ id: `${name}-${index}`, url: `${sandbox.origin.url}/gen/${name}-${index}.mp4?size=512`, title: `${name} ${index}` }));
  return makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name, config: { runner: { concurrency: 2 } } });
}

interface Wrapped {
  wrapper: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Starts `ferry run` through the wrapper, in a process group of its own (as a shell would). */
function startWrapped(dir: JobDir): Wrapped {
  const wrapper = spawn(process.execPath, [FERRY_BIN, 'run', dir.jobFile, '--config', dir.configFile], {
    env: { ...cleanEnv(), FERRY_FORCE_CHILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = { stdout: '', stderr: '' };
  wrapper.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  wrapper.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return { wrapper, output, exited: once(wrapper, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}

/** The run's pid, once it has started describing items (the run is live, mid-way). */
async function liveRun(started: Wrapped, name: string): Promise<number> {
  let run: number | undefined;
  await waitFor(() => (run = childrenOf(started.wrapper.pid!)[0]) !== undefined, 'the wrapper to start the run');
  await waitFor(() => sandbox.journal.entries({ route: 'asset.set_meta' }).some((entry) => (entry.params.reference_id ?? '').startsWith(`ferry:${name}:`)), 'the run to describe an item');
  return run!;
}

async function finishedItems(dir: JobDir): Promise<number> {
  const status = await runFerry(['status', dir.jobFile, '--config', dir.configFile, '--json']);
  expect(status.code, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { finished: number }).finished;
}

describe('bin/ferry.js re-launched as a child (Node 22.13–22.17)', () => {
  it('forwards SIGTERM once: the run finishes its steps in flight, and the wrapper exits 130 with it', async () => {
    const dir = job('term');
    const started = startWrapped(dir);
    const run = await liveRun(started, 'term');
    process.kill(started.wrapper.pid!, 'SIGTERM');
    const [code, signal] = await started.exited;
    expect({ code, signal }, started.output.stderr).toEqual({ code: 130, signal: null });
    expect(started.output.stdout).toContain('ferry: interrupted');
    expect(started.output.stderr).toContain('stopping: finishing the steps in flight');
    expect(started.output.stderr).not.toContain('cancelling the steps in flight');
    expect(isRunning(run)).toBe(false);
  });

  it("a Ctrl-C at the terminal (SIGINT to the whole process group) reaches the run once, as a drain", async () => {
    const dir = job('ctrlc');
    const started = startWrapped(dir);
    await liveRun(started, 'ctrlc');
    process.kill(-started.wrapper.pid!, 'SIGINT');
    const [code] = await started.exited;
    expect(code, started.output.stderr).toBe(130);
    expect(started.output.stderr).toContain('stopping: finishing the steps in flight');
    expect(started.output.stderr).not.toContain('cancelling the steps in flight');
  });

  it.each(['SIGKILL', 'SIGHUP'] as const)('a wrapper ended by %s takes the run with it at once; the next run finishes the job without duplicates', async (signal) => {
    const name = `end-${signal.toLowerCase()}`;
    const dir = job(name, ITEMS);
    const started = startWrapped(dir);
    const run = await liveRun(started, name);
    process.kill(started.wrapper.pid!, signal);
    expect((await started.exited)[1]).toBe(signal);
    await waitFor(() => !isRunning(run), 'the run to end with its wrapper', 10_000);
    // It ended mid-way, not after finishing the job on its own as an orphan.
    expect(await finishedItems(dir)).toBeLessThan(ITEMS);
    const again = await runFerry(['run', dir.jobFile, '--config', dir.configFile]);
    expect(again.code, again.stderr).toBe(0);
    const byReference = assetsByReference(sandbox.inventory(), `ferry:${name}:`);
    expect(byReference.size).toBe(ITEMS);
    for (const assets of byReference.values()) expect(assets).toHaveLength(1);
  });

  it('exits with the run\'s exit code', async () => {
    const result = await runFerry(['validate', '/nonexistent/job.json'], { env: { FERRY_FORCE_CHILD: '1' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the job file does not exist');
  });
});
