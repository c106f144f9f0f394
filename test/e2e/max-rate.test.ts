// `ferry run --max-rate` (and runner.maxBytesPerSecond): one cap on the bytes per second of the
// whole run, whichever platform ferry uploads to itself — Cintoo, and Cincopa's direct upload.
// Only lower bounds on time are asserted: a loaded machine may be slower, never faster.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { filesUnder, makeCintooJob, seededFile, sharedTokenFile } from '../helpers/cintooJob.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin', 'cintoo'] });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('ferry run --max-rate', () => {
  it('keeps a whole Cintoo run under the cap, however many files go at once', { timeout: 60_000 }, async () => {
    const files: Record<string, Buffer> = {};
    for (let index = 0; index < 4; index++) files[`f${index}.las`] = seededFile(`rate${index}`, 150_000);
    const job = makeCintooJob({ sandbox, name: 'capped', files, tokenFile: sharedTokenFile(), runner: { concurrency: 4 } });
    const started = Date.now();
    const result = await runFerry(['run', job.jobFile, '--config', job.configFile, '--max-rate', '200k'], { timeoutMs: 50_000 });
    expect(result.code, result.stderr).toBe(0);
    // 600 kB at 200 kB/s: at least ~3 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(filesUnder(sandbox, 'capped')).toHaveLength(4);
  });

  it('caps Cincopa direct uploads too, from the config key', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-rate-'));
    mkdirSync(path.join(dir, 'out'));
    for (let index = 0; index < 3; index++) writeFileSync(path.join(dir, 'out', `clip-${index}.mp4`), Buffer.alloc(200_000, index + 1));
    writeFileSync(path.join(dir, 'job.json'), JSON.stringify({ name: 'rate', source: { type: 'glob', root: 'out', include: ['*.mp4'] }, target: { type: 'cincopa', mode: 'direct' } }));
    writeFileSync(path.join(dir, 'ferry.config.json'), JSON.stringify({ cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes: 100_000 }, runner: { concurrency: 3, maxBytesPerSecond: 200_000 } }));
    const started = Date.now();
    const result = await runFerry(['run', path.join(dir, 'job.json'), '--config', path.join(dir, 'ferry.config.json')], { timeoutMs: 50_000 });
    expect(result.code, result.stderr).toBe(0);
    // 600 kB at 200 kB/s: at least ~3 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
  });

  it('refuses a rate it cannot read, as a usage mistake', async () => {
    const bad = await runFerry(['run', 'jobs/demo.json', '--max-rate', 'fast'], { cwd: path.resolve(import.meta.dirname, '../..') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-rate <rate>' argument 'fast' is invalid\. expected bytes per second such as 20MB/);
  });
});
