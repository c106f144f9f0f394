// Recovery under injected faults, through the CLI: 429 storms with Retry-After, 5xx, connection
// resets mid-body, failed and stuck processing. Whatever happens, nothing is lost and nothing
// is duplicated, and what cannot succeed fails with its reason.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { reportRows, runFerry } from '../helpers/cli.ts';
import { assetsByReference, galleryMembers } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { faultSchedule, useSeed } from '../helpers/seed.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ cincopa: { processingMs: 10 } });
});
afterAll(async () => {
  await sandbox?.close();
});

const rows = (prefix: string, count: number): Record<string, string>[] =>
  Array.from({ length: count }, (_, index) => ({ id: `${prefix}-${index}`, url: `${sandbox.origin.url}/gen/${prefix}-${index}.mp4?size=${4096 + index}`, title: `${prefix} ${index}` }));

describe('fault recovery', () => {
  it('rides out a 429 storm, 5xx bursts and connection resets with nothing lost or duplicated', { timeout: 60_000 }, async () => {
    const seeded = useSeed();
    sandbox.faults.clear();
    // Seeded schedules of the same rates as before (40% of submissions rate-limited, 25% of
    // polls answered 503, 25% of set_meta calls reset): replayable with FERRY_TEST_SEED.
    for (const rule of [
      ...faultSchedule(seeded, { service: 'cincopa', route: 'asset.upload_from_url', kind: 'rate-limit', retryAfterSec: 0.2 }, 0.4, 200),
      ...faultSchedule(seeded, { service: 'cincopa', route: 'asset.upload_from_url_get_status', kind: 'status', status: 503 }, 0.25, 400),
      ...faultSchedule(seeded, { service: 'cincopa', route: 'asset.set_meta', kind: 'reset' }, 0.25, 200),
    ]) {
      sandbox.faults.add(rule);
    }
    sandbox.faults.add({ service: 'cincopa', route: 'gallery.add_item', kind: 'status', status: 502, times: 5 });
    sandbox.faults.add({ service: 'origin', route: 'GET', kind: 'reset', times: 3 });
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: rows('storm', 40), name: 'storm', config: { runner: { concurrency: 8, maxAttempts: 12, backoffBaseMs: 20, backoffMaxMs: 200 } } });

    const run = await runFerry(['run', job.jobFile, '--config', job.configFile], { timeoutMs: 55_000 });
    sandbox.faults.clear();
    // A source reset makes Cincopa's fetch fail for a passing reason: the item is submitted
    // again (up to 3 fetches), so every item ends done.
    const items = await reportRows(job);
    expect(items.filter((item) => item.state === 'failed'), `seed ${seeded.seed}`).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    expect(items.filter((item) => item.state === 'done')).toHaveLength(40);
    expect(sandbox.journal.entries({ service: 'origin' }).filter((entry) => entry.fault === 'reset')).toHaveLength(3);
    expect(run.stderr.match(/could not fetch the source for a passing reason; submitting it again/g)).toHaveLength(3);

    const journal = sandbox.journal;
    expect(journal.entries({ route: 'asset.upload_from_url' }).filter((entry) => entry.status === 429).length).toBeGreaterThan(0);
    // Some items came through after retries (transient faults), not only first time.
    expect(items.some((item) => item.state === 'done' && item.attempts > 0)).toBe(true);

    // Exactly one asset per item, and this job's assets are each in the gallery exactly once
    // (the gallery is shared with the file's other tests: only this job's assets are counted).
    const byReference = assetsByReference(sandbox.inventory(), 'ferry:storm:');
    expect(byReference.size).toBe(40);
    for (const assets of byReference.values()) expect(assets).toHaveLength(1);
    const stormRids = new Set([...byReference.values()].map((assets) => assets[0]!.rid));
    const members = galleryMembers(sandbox.inventory(), 'e2e gallery').filter((rid) => stormRids.has(rid));
    expect(members.sort()).toEqual([...stormRids].sort());
  });

  it('does not duplicate an upload whose answer was lost after Cincopa accepted it', async () => {
    sandbox.faults.clear();
    // Slow processing: when ferry retries, the first fetch's asset does not exist yet, so only
    // waiting for it (submitGraceMs) rather than submitting again avoids a twin.
    const slow = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 1_500 } });
    try {
      slow.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'lost-response', times: 3 });
      const items = Array.from({ length: 6 }, (_, index) => ({ id: `lost-${index}`, url: `${slow.origin.url}/gen/lost-${index}.mp4?size=2048`, title: `Lost ${index}` }));
      const job = makeJobDir({ cincopaUrl: slow.cincopa.url, apiToken: slow.cincopa.apiToken, rows: items, name: 'lost', config: { cincopa: { apiUrl: slow.cincopa.url, apiToken: slow.cincopa.apiToken, pollIntervalMs: 50, submitGraceMs: 10_000 }, runner: { backoffBaseMs: 20, backoffMaxMs: 50 } } });
      const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
      expect(run.code, run.stderr).toBe(0);
      expect(slow.journal.entries({ route: 'asset.upload_from_url' }).filter((entry) => entry.fault === 'lost-response')).toHaveLength(3);
      const byReference = assetsByReference(slow.inventory(), 'ferry:lost:');
      expect(byReference.size).toBe(6);
      for (const assets of byReference.values()) expect(assets).toHaveLength(1);
      expect(slow.inventory().cincopa.assets).toHaveLength(6); // no orphan twins either
    } finally {
      await slow.close();
    }
  });

  it('fails an item whose processing fails, with Cincopa\'s reason, and the others go on', async () => {
    sandbox.faults.clear();
    sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-failed', times: 1 });
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: rows('proc', 4), name: 'proc', config: { runner: { concurrency: 1 } } });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('done 3  skipped 0  failed 1');
    const failed = await runFerry(['report', job.jobFile, '--config', job.configFile, '--only', 'failed']);
    expect(failed.stdout).toContain('processing failed: the media could not be transcoded');
  });

  it('aborts processing that is stuck past its budget and fails the item', async () => {
    sandbox.faults.clear();
    sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-stuck', times: 1 });
    const job = makeJobDir({
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      rows: rows('stuck', 1),
      name: 'stuck',
      config: { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, pollIntervalMs: 50, processingTimeoutMs: 600 } },
    });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(1);
    expect(sandbox.journal.count({ route: 'asset.upload_from_url_abort' })).toBe(1);
    const failed = await runFerry(['report', job.jobFile, '--config', job.configFile, '--only', 'failed']);
    expect(failed.stdout).toMatch(/still fetching\/processing after \d+ s; aborted/);
  });
});
