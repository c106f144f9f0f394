// ferry against both Cincopa dialects the evidence allows (sandbox/cincopa/settings.ts): the
// classic answers, and the alternative on every unknown — ready/completed with the rid under
// asset_id or rid, numeric progress, failures and refused tokens as HTTP 200 + success:false,
// upload errors as 200 with an error text, substring reference-id matching, tags refused,
// unknown rids ignored by gallery.add_item. Faults on top. Whatever happens: every item ends
// done, skipped or failed with a reason; no two assets share a reference key; the gallery holds
// exactly the finished items, once each.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { reportRows, runFerry, type ReportRow } from '../helpers/cli.ts';
import { assetsByReference } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { seedOutsideTest } from '../helpers/seed.ts';

const report = reportRows;

for (const dialect of ['classic', 'alt'] as const) {
  describe(`ferry against the ${dialect} Cincopa dialect`, () => {
    let sandbox: Sandbox;
    const { random, seed } = seedOutsideTest();

    beforeAll(async () => {
      sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { dialect, processingMs: 20 }, seed: Math.floor(random() * 2 ** 31) });
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    /** Every item ended with a state and reason; each key's asset once; the gallery holds the finished ones once each. */
    function expectConsistent(rows: ReportRow[], job: string, gallery: string): void {
      const inventory = sandbox.inventory();
      const byReference = assetsByReference(inventory, `ferry:${job}:`);
      const finished = rows.filter((row) => row.state === 'done' || row.state === 'skipped');
      for (const row of rows) {
        expect(['done', 'skipped', 'failed'], `seed ${seed}: ${row.key} ended ${row.state}`).toContain(row.state);
        if (row.state === 'failed') expect(row.error, `seed ${seed}: ${row.key}`).toBeTruthy();
      }
      for (const [reference, assets] of byReference) expect(assets, `seed ${seed}: ${reference}`).toHaveLength(1);
      expect(byReference.size, `seed ${seed}`).toBe(finished.length);
      for (const row of finished) expect(byReference.get(`ferry:${job}:${row.key}`)?.[0]?.rid, `seed ${seed}: ${row.key}`).toBe(row.remote_id);
      const galleries = inventory.cincopa.galleries.filter((entry) => entry.name === gallery);
      expect(galleries).toHaveLength(1);
      expect([...galleries[0]!.members].sort(), `seed ${seed}`).toEqual(finished.map((row) => row.remote_id!).sort());
      expect(inventory.cincopa.galleryDoubles, `seed ${seed}`).toEqual([]);
    }

    it('from_url under 5xx, 429 bursts, resets, lost answers and failed processing', { timeout: 120_000 }, async () => {
      sandbox.faults.clear();
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url_get_status', kind: 'status', status: 503, probability: 0.2 });
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'rate-limit', retryAfterSec: 0.2, probability: 0.2, retryAfterFormat: dialect === 'alt' ? 'http-date' : 'seconds' });
      sandbox.faults.add({ service: 'cincopa', route: 'asset.set_meta', kind: 'reset', probability: 0.15 });
      sandbox.faults.add({ service: 'cincopa', route: 'gallery.add_item', kind: 'lost-response', times: 2 });
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-failed', times: 2 });
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'processing-slow', times: 3 });
      const rows = Array.from({ length: 30 }, (_, index) => ({ id: `u${index}`, url: `${sandbox.origin.url}/gen/${dialect}-u${index}.mp4?size=${3000 + index}`, title: `Item ${index}`, tags: 'a,b' }));
      const job = makeJobDir({
        cincopaUrl: sandbox.cincopa.url,
        apiToken: sandbox.cincopa.apiToken,
        rows,
        name: `url-${dialect}`,
        job: { source: { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url', title: 'title', tags: 'tags' } }, target: { type: 'cincopa', mode: 'from_url', gallery: { name: `g-url-${dialect}` } } },
        config: { runner: { concurrency: 8, maxAttempts: 12, backoffBaseMs: 20, backoffMaxMs: 200 } },
      });
      const run = await runFerry(['run', job.jobFile, '--config', job.configFile], { timeoutMs: 110_000 });
      sandbox.faults.clear();
      const items = await report(job);
      const failed = items.filter((row) => row.state === 'failed');
      expect(run.code, `seed ${seed}\n${run.stderr.slice(-2000)}`).toBe(failed.length > 0 ? 1 : 0);
      expect(failed.length, `seed ${seed}`).toBeLessThanOrEqual(2);
      for (const row of failed) expect(row.error).toMatch(/could not fetch/);
      expectConsistent(items, `url-${dialect}`, `g-url-${dialect}`);
      if (dialect === 'alt') expect(run.stderr).toMatch(/refused asset.set_meta with tags/);
    });

    it('a re-run with a fresh ledger finds every asset and adds none to the gallery again', async () => {
      const rows = Array.from({ length: 8 }, (_, index) => ({ id: `f${index}`, url: `${sandbox.origin.url}/gen/${dialect}-f${index}.mp4?size=${1000 + index}`, title: `Fresh ${index}` }));
      const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: `fresh-${dialect}`, job: { target: { type: 'cincopa', mode: 'from_url', gallery: { name: `g-fresh-${dialect}` } } } });
      expect((await runFerry(['run', job.jobFile, '--config', job.configFile])).code).toBe(0);
      rmSync(path.dirname(job.ledgerFile), { recursive: true, force: true });
      const again = await runFerry(['run', job.jobFile, '--config', job.configFile]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('skipped 8');
      expectConsistent(await report(job), `fresh-${dialect}`, `g-fresh-${dialect}`);
    });

    it('numeric keys where one is a prefix of many (k1, k1-0001 …) never take each other\'s asset', { timeout: 90_000 }, async () => {
      const keys = ['k1', ...Array.from({ length: 120 }, (_, index) => `k1-${String(index + 1).padStart(4, '0')}`)];
      const rows = keys.map((key, index) => ({ id: key, url: `${sandbox.origin.url}/gen/${dialect}-${key}.bin?size=${500 + index}`, title: key }));
      const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: `prefix-${dialect}`, job: { target: { type: 'cincopa', mode: 'from_url', gallery: { name: `g-prefix-${dialect}` } } }, config: { runner: { concurrency: 16 } } });
      const first = await runFerry(['run', job.jobFile, '--config', job.configFile], { timeoutMs: 80_000 });
      expect(first.code, first.stderr.slice(-2000)).toBe(0);
      expect(first.stdout).toContain(`done ${keys.length}`);
      expectConsistent(await report(job), `prefix-${dialect}`, `g-prefix-${dialect}`);
    });

    it('direct upload with a refused chunk and a lost chunk answer: byte-exact, no twin', async () => {
      sandbox.faults.clear();
      sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'status', status: 400, after: 1, times: 1 });
      sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'lost-response', after: 4, times: 1 });
      const root = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows: [], name: `direct-${dialect}` }).dir;
      const files = path.join(root, 'files');
      mkdirSync(files);
      for (let index = 0; index < 3; index++) writeFileSync(path.join(files, `clip${index}.mp4`), Buffer.alloc(70_000 + index, index + 1));
      const job = makeJobDir({
        cincopaUrl: sandbox.cincopa.url,
        apiToken: sandbox.cincopa.apiToken,
        rows: [],
        name: `direct-${dialect}`,
        job: { source: { type: 'glob', root: files, include: ['*.mp4'] }, target: { type: 'cincopa', mode: 'direct', gallery: { name: `g-direct-${dialect}` } } },
        config: { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes: 16_384 }, runner: { concurrency: 1, backoffBaseMs: 20, backoffMaxMs: 100 } },
      });
      const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
      sandbox.faults.clear();
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      expect(sandbox.journal.entries({ service: 'cincopa-upload' }).some((entry) => entry.status >= 400 || /refused/.test(JSON.stringify(entry.params)))).toBe(true);
      const rows = await report(job);
      expectConsistent(rows, `direct-${dialect}`, `g-direct-${dialect}`);
      for (const asset of assetsByReference(sandbox.inventory(), `ferry:direct-${dialect}:`).values()) expect(asset[0]!.filesize).toBeGreaterThanOrEqual(70_000);
    });

    it('same-named sources with lost submit answers: no item takes another\'s asset, none gets two', { timeout: 90_000 }, async () => {
      sandbox.faults.clear();
      // The first answer is always lost (with only the random rule, 1 run in 64 lost none), then half.
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'lost-response', times: 1 });
      sandbox.faults.add({ service: 'cincopa', route: 'asset.upload_from_url', kind: 'lost-response', probability: 0.5 });
      const rows = ['a', 'b', 'c', 'd', 'e', 'f'].map((folder, index) => ({ id: `same-${folder}`, url: `${sandbox.origin.url}/gen/${dialect}/${folder}/clip.mp4?size=${7000 + index * 11}`, title: `Clip ${folder}` }));
      const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: `same-${dialect}`, job: { target: { type: 'cincopa', mode: 'from_url', gallery: { name: `g-same-${dialect}` } } }, config: { runner: { concurrency: 6, backoffBaseMs: 20, backoffMaxMs: 200 } } });
      const submitsBefore = sandbox.journal.entries({ route: 'asset.upload_from_url' }).length;
      const run = await runFerry(['run', job.jobFile, '--config', job.configFile], { timeoutMs: 80_000 });
      sandbox.faults.clear();
      expect(run.code, `seed ${seed}\n${run.stderr.slice(-2000)}`).toBe(0);
      const lost = sandbox.journal.entries({ route: 'asset.upload_from_url' }).slice(submitsBefore).filter((entry) => entry.fault === 'lost-response');
      expect(lost.length, `seed ${seed}: the test needs lost answers`).toBeGreaterThan(0);
      const items = await report(job);
      expectConsistent(items, `same-${dialect}`, `g-same-${dialect}`);
      // No swap: each item's asset has its own source's size.
      const byReference = assetsByReference(sandbox.inventory(), `ferry:same-${dialect}:`);
      rows.forEach((row, index) => expect(Number(byReference.get(`ferry:same-${dialect}:${row.id}`)![0]!.filesize), `seed ${seed}`).toBe(7000 + index * 11));
    });

    it('a token refused mid-run stops the run with exit 3 and fails nothing', async () => {
      sandbox.faults.clear();
      sandbox.faults.add({ service: 'cincopa', route: 'asset.set_meta', kind: 'auth' });
      const rows = Array.from({ length: 6 }, (_, index) => ({ id: `a${index}`, url: `${sandbox.origin.url}/gen/${dialect}-a${index}.mp4?size=${900 + index}`, title: `Auth ${index}` }));
      const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: `auth-${dialect}` });
      const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
      sandbox.faults.clear();
      expect(run.code, run.stderr.slice(-2000)).toBe(3);
      expect((await report(job)).filter((row) => row.state === 'failed')).toEqual([]);
    });
  });
}
