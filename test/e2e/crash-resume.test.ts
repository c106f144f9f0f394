// The crash tests: runs against the sandbox, SIGKILLed at seeded moments and restarted each
// time, must end with every item done, exactly one asset per reference key at the platform, no
// gallery holding an asset twice, and a report that matches the platform's inventory — for
// upload-from-URL (2,000 items) and for direct uploads killed mid-file and mid-placement.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, reportRows, runFerry } from '../helpers/cli.ts';
import { makeJobDir, type JobDir } from '../helpers/jobDir.ts';
import { assetsByReference, galleryMembers } from '../helpers/inventory.ts';
import { useSeed } from '../helpers/seed.ts';

const ITEMS = 2_000;
const KILLS = 6;

let sandbox: Sandbox;
let job: JobDir;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5 } });
  const rows = Array.from({ length: ITEMS }, (_, index) => ({
    id: `item-${String(index).padStart(5, '0')}`,
    url: `${sandbox.origin.url}/gen/item-${index}.bin?size=${1024 + index}`,
    title: `Item ${index}`,
  }));
  job = makeJobDir({
    cincopaUrl: sandbox.cincopa.url,
    apiToken: sandbox.cincopa.apiToken,
    rows,
    name: 'crash',
    config: { runner: { concurrency: 24, backoffBaseMs: 50, backoffMaxMs: 500, progressIntervalMs: 1000 } },
  });
});

afterAll(async () => {
  await sandbox?.close();
});

/** Starts `ferry run` and SIGKILLs it once `killNow()` holds (polled); resolves when it is gone. */
function runAndKill(killNow: (startedAt: number) => boolean, which: JobDir = job): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [FERRY_BIN, 'run', which.jobFile, '--config', which.configFile, '--log-level', 'warn'], {
      env: cleanEnv(),
      stdio: 'ignore',
    });
    const poll = setInterval(() => {
      if (killNow(startedAt)) child.kill('SIGKILL');
    }, 5);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

const submissions = (): number => sandbox.journal.count({ route: 'asset.upload_from_url' });

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs with nothing lost and nothing duplicated`, { timeout: 240_000 }, async () => {
    const seeded = useSeed(); // kill moments: replay a failure with FERRY_TEST_SEED
    let kills = 0;
    let killsMidRun = 0;
    const atKill: string[] = [];
    for (let round = 0; round < KILLS; round++) {
      // Seeded moments, by progress rather than by the clock (a loaded machine starts slowly): the
      // first round early (planning, gallery lookup), the others after a seeded number of further
      // submissions, deep in the upload phase.
      const early = round === 0;
      const delayMs = seeded.between(50, 600);
      const target = submissions() + seeded.between(20, 400);
      const outcome = await runAndKill((startedAt) => (early ? Date.now() - startedAt >= delayMs : submissions() >= target));
      if (outcome.killed) kills++;
      else expect(outcome.code).toBe(0); // finished before the kill: allowed, and must be clean
      const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
      if (status.code !== 0) continue; // killed before the ledger existed
      const view = JSON.parse(status.stdout) as { finished: number; total: number; counts: Record<string, number> };
      const inFlight = view.total - view.finished - (view.counts.pending ?? 0);
      atKill.push(`${view.finished} finished/${inFlight} in flight`);
      if (outcome.killed && view.finished < ITEMS && view.finished + inFlight > 0) killsMidRun++;
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    // The kills must land while items are in flight, or the test proves nothing.
    expect(killsMidRun, `at each kill: ${atKill.join(', ')} (seed ${seeded.seed})`).toBeGreaterThanOrEqual(3);

    const final = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'warn'], { timeoutMs: 180_000 });
    expect(final.code, final.stderr).toBe(0);
    expect(final.stdout).toContain(`done ${ITEMS}`);

    // The platform: exactly one asset per reference key, every asset in the one gallery.
    const inventory = sandbox.inventory();
    const byReference = assetsByReference(inventory, 'ferry:crash:');
    expect(byReference.size).toBe(ITEMS);
    const duplicated = [...byReference].filter(([, assets]) => assets.length > 1).map(([key]) => key);
    expect(duplicated).toEqual([]);
    const orphans = inventory.cincopa.assets.filter((asset) => !asset.reference_id);
    expect(orphans).toEqual([]);
    const members = galleryMembers(inventory, 'e2e gallery');
    expect(new Set(members).size).toBe(ITEMS);
    expect(members).toHaveLength(ITEMS);

    // The report agrees with the platform, item by item.
    const rows = await reportRows(job);
    expect(rows).toHaveLength(ITEMS);
    for (const row of rows) {
      expect(row.state).toBe('done');
      const assets = byReference.get(`ferry:crash:${row.key}`);
      expect(assets?.map((asset) => asset.rid)).toEqual([row.remote_id]);
    }
  });
});

describe('crash safety of direct uploads and gallery placement', () => {
  const FILES = 90;
  it(`survives ${KILLS} SIGKILLs mid-file and mid-placement: every file once, byte-exact, once in the gallery`, { timeout: 240_000 }, async () => {
    const seeded = useSeed();
    const direct = makeJobDir({
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      rows: [],
      name: 'crash-direct',
      job: { source: { type: 'glob', root: 'files', include: ['*.mp4'] }, target: { type: 'cincopa', mode: 'direct', gallery: { name: 'crash direct gallery' } } },
      config: { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes: 8_192, galleryBatchSize: 7 }, runner: { concurrency: 6, backoffBaseMs: 50, backoffMaxMs: 500 } },
    });
    mkdirSync(path.join(direct.dir, 'files'));
    for (let index = 0; index < FILES; index++) writeFileSync(path.join(direct.dir, 'files', `clip-${index}.mp4`), Buffer.alloc(30_000 + index, index % 251));
    const chunks = (): number => sandbox.journal.count({ service: 'cincopa-upload' });
    const adds = (): number => sandbox.journal.count({ route: 'gallery.add_item' });
    let killsMidRun = 0;
    for (let round = 0; round < KILLS; round++) {
      // Half the kills by upload progress (mid-file), half by gallery adds (mid-placement).
      const byAdds = round % 2 === 1;
      const target = byAdds ? adds() + seeded.between(1, 3) : chunks() + seeded.between(5, 60);
      const outcome = await runAndKill(() => (byAdds ? adds() >= target : chunks() >= target), direct);
      const status = await runFerry(['status', direct.jobFile, '--config', direct.configFile, '--json']);
      if (outcome.killed && status.code === 0 && (JSON.parse(status.stdout) as { finished: number }).finished < FILES) killsMidRun++;
    }
    expect(killsMidRun, `seed ${seeded.seed}`).toBeGreaterThanOrEqual(3);
    const final = await runFerry(['run', direct.jobFile, '--config', direct.configFile, '--log-level', 'warn'], { timeoutMs: 180_000 });
    expect(final.code, final.stderr).toBe(0);

    const inventory = sandbox.inventory();
    const byReference = assetsByReference(inventory, 'ferry:crash-direct:');
    expect(byReference.size, `seed ${seeded.seed}`).toBe(FILES);
    for (const [reference, assets] of byReference) {
      expect(assets, `seed ${seeded.seed}: ${reference}`).toHaveLength(1);
      const index = Number(/clip-(\d+)\.mp4$/.exec(reference)![1]);
      expect(Number(assets[0]!.filesize)).toBe(30_000 + index);
    }
    const members = galleryMembers(inventory, 'crash direct gallery');
    expect(members, `seed ${seeded.seed}: no gallery holds a rid twice`).toHaveLength(new Set(members).size);
    expect(new Set(members)).toEqual(new Set([...byReference.values()].map((assets) => assets[0]!.rid)));
    expect(inventory.cincopa.galleryDoubles).toEqual([]);
    expect(inventory.cincopa.assets.filter((asset) => !asset.reference_id)).toEqual([]);
  });
});
