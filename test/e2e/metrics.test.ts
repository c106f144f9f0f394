// `ferry run --metrics-port` against the sandbox: while a direct-upload job is held on a
// failing step, Prometheus' scrape shows the run as it is — items per state, requests per API
// method and outcome, the bytes of every acknowledged chunk, retries, the 429 pause, the live
// load — and passes promtool; released, the run finishes and prints its --json summary.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/app/runSummary.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN } from '../helpers/cli.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { PROMTOOL, PROMTOOL_REQUIRED, promtoolCheckMetrics } from '../helpers/promtool.ts';
import { waitFor } from '../helpers/wait.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'] });
});
afterAll(async () => {
  await sandbox?.close();
});

function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ferry run --metrics-port', () => {
  it('serves the live run to Prometheus, then ends with its JSON summary', async () => {
    const sizes = [3_000, 5_000, 1];
    const job = makeJobDir({
      name: 'metered',
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      rows: sizes.map((_, index) => ({ id: `f${index}`, url: `files/f${index}.mp4`, title: `file ${index}` })),
      job: { target: { type: 'cincopa', mode: 'direct', gallery: { name: 'metered gallery' } } },
      config: {
        cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes: 1_024 },
        runner: { backoffBaseMs: 50, backoffMaxMs: 200, maxAttempts: 1_000, progressIntervalMs: 200 },
      },
    });
    mkdirSync(path.join(job.dir, 'files'));
    sizes.forEach((size, index) => writeFileSync(path.join(job.dir, 'files', `f${index}.mp4`), Buffer.alloc(size, index + 1)));
    // One 429 on the first upload URL; then every item is held at its metadata step.
    sandbox.faults.add({ service: 'cincopa', route: 'asset.get_upload_url', kind: 'rate-limit', retryAfterSec: 0.3, times: 1 });
    const hold = sandbox.faults.add({ service: 'cincopa', route: 'asset.set_meta', kind: 'reset' });

    const child = spawn(process.execPath, [FERRY_BIN, 'run', job.jobFile, '--config', job.configFile, '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--json'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let url = '';
      await waitFor(() => {
        url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1] ?? '';
        return url !== '';
      }, 'ferry to log where it serves its metrics');

      let text = '';
      const scrape = async (): Promise<string> => (text = await (await fetch(url)).text());
      const total = sizes.reduce((sum, size) => sum + size, 0);
      await waitFor(async () => sample(await scrape(), 'ferry_items{ferry_job="metered",state="uploaded"}') === sizes.length && (sample(text, 'ferry_retries_total{ferry_job="metered",state="uploaded"}') ?? 0) > 0, 'every item uploaded and retrying its metadata step, as scraped', 60_000);

      expect(sample(text, 'ferry_upload_bytes_total{target="cincopa"}')).toBe(total);
      // 1 KiB chunks: 3 for 3 000 bytes, 5 for 5 000, 1 for the 1-byte file.
      expect(sample(text, 'ferry_requests_total{target="cincopa",method="upload",status="200"}')).toBe(3 + 5 + 1);
      expect(sample(text, 'ferry_requests_total{target="cincopa",method="asset.get_upload_url",status="429"}')).toBe(1);
      expect(sample(text, 'ferry_requests_total{target="cincopa",method="asset.set_meta",status="network"}')).toBeGreaterThan(0);
      expect(sample(text, 'ferry_rate_limit_pauses_total{ferry_job="metered"}')).toBe(1);
      expect(sample(text, 'ferry_rate_limit_pause_seconds_total{ferry_job="metered"}')).toBeGreaterThan(0.2);
      expect(sample(text, 'ferry_items_in_flight{ferry_job="metered"}')).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'ferry_items{ferry_job="metered",state="done"}')).toBe(0);
      if (PROMTOOL || PROMTOOL_REQUIRED) {
        const checked = await promtoolCheckMetrics(text);
        expect(checked.output).toBe('');
        expect(checked.code).toBe(0);
      }

      sandbox.faults.remove(hold);
      expect(await exited, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary).toMatchObject({ command: 'run', job: 'metered', jobFile: job.jobFile, exitCode: 0, outcome: 'finished' });
    expect(summary.items).toMatchObject({ total: 3, done: 3, failed: 0, notFinished: 0, bytesDone: sizes.reduce((sum, size) => sum + size, 0) });
  });
});
