import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { eachEntry } from '../../src/manifest/batching.ts';
import { openCsvManifest } from '../../src/manifest/csv.ts';
import { planManifest } from '../../src/plan/planner.ts';
import { writeReport } from '../../src/report/report.ts';
import { formatStatus } from '../../src/report/status.ts';

const remoteId = (remote: Record<string, unknown>): string | null => (typeof remote.rid === 'string' ? remote.rid : null);

async function capture(write: (out: PassThrough) => Promise<number>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await write(out);
  return text;
}

describe('reports', () => {
  it('writes a failed-only CSV that is itself a valid manifest for a follow-up job', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-report-'));
    const manifest = path.join(dir, 'in.csv');
    writeFileSync(manifest, 'id,url,title\na,https://x.example/a.mp4,A\n"b,1","https://x.example/b.mp4?q=""x""",B\nc,https://x.example/c.mp4,C\n');
    const store = openSqliteLedger(path.join(dir, 'l.sqlite'));
    await store.migrate();
    await planManifest(store, ({ type: 'csv', path: manifest, columns: { key: 'id', source: 'url', title: 'title' } }), { policy: 'reupload' });
    await store.claim('w', 3, 60_000);
    await store.transition('a', 'w', { state: 'done', remote: { rid: 'RA' }, bytes: 10, startedAt: 1_000, finishedAt: 4_000 });
    await store.transition('b,1', 'w', { state: 'failed', lastError: 'cincopa could not fetch the source: HTTP 404, "gone"', finishedAt: Date.now() });
    await store.transition('c', 'w', { state: 'failed', lastError: 'gave up after 8 attempts', finishedAt: Date.now() });

    const all = await capture((out) => writeReport(store, out, { format: 'csv', remoteId }));
    expect(all.split('\n')[1]).toBe(`a,https://x.example/a.mp4,done,RA,0,,10,1970-01-01T00:00:01.000Z,1970-01-01T00:00:04.000Z,3000,${manifest}:2`);

    const failedCsv = path.join(dir, 'failed.csv');
    writeFileSync(failedCsv, await capture((out) => writeReport(store, out, { format: 'csv', onlyFailed: true, remoteId })));
    const keys: string[] = [];
    for await (const entry of eachEntry(openCsvManifest({ path: failedCsv, columns: { key: 'key', source: 'source' } }))) {
      if (entry.kind === 'item') keys.push(`${entry.item.key} ${entry.item.source}`);
    }
    expect(keys).toEqual(['b,1 https://x.example/b.mp4?q=%22x%22', 'c https://x.example/c.mp4']);

    const json = await capture((out) => writeReport(store, out, { format: 'json', onlyFailed: true, remoteId }));
    expect(json.trim().split('\n').map((line) => (JSON.parse(line) as { key: string }).key)).toEqual(['b,1', 'c']);
    expect(formatStatus(await store.stats(), 'job')).toContain('job job: 3/3 finished (100%)');
    await store.close();
  });

  it('carries the source of a rejected row into the failed-only report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-report-'));
    const manifest = path.join(dir, 'in.csv');
    writeFileSync(manifest, 'id,url\ngood,https://x.example/good.mp4\nodd,ftp://x.example/odd.mp4\n');
    const store = openSqliteLedger(path.join(dir, 'l.sqlite'));
    await store.migrate();
    await planManifest(store, { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, { policy: 'reupload' });
    const failed = await capture((out) => writeReport(store, out, { format: 'csv', onlyFailed: true, remoteId }));
    expect(failed.split('\n')[1]).toMatch(/^odd,ftp:\/\/x\.example\/odd\.mp4,failed,/);
    await store.close();
  });

  it('neutralises cells a spreadsheet would run as formulas, and reads the failed-only report back with the original keys', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-report-'));
    const store = await failedLedger(dir, [
      ["=cmd|' /C calc'!A0", 'https://x.example/a.mp4'],
      ['+1', 'https://x.example/b.mp4'],
      ['-2', 'https://x.example/c.mp4'],
      ['@SUM(A1)', 'https://x.example/d.mp4'],
      ['\tTAB', 'https://x.example/e.mp4'],
      ['\rCR', 'https://x.example/f.mp4'],
      ["'quoted", 'https://x.example/g.mp4'],
      ['plain', 'https://x.example/h.mp4'],
    ]);
    const failedCsv = path.join(dir, 'failed.csv');
    writeFileSync(failedCsv, await capture((out) => writeReport(store, out, { format: 'csv', onlyFailed: true, remoteId })));
    const text = readFileSync(failedCsv, 'utf8');
    // No cell of the report starts with a formula character.
    for (const line of text.split('\n').slice(1).filter(Boolean)) expect(line).not.toMatch(/^"?[=+\-@\t\r]|,"?[=+\-@\t\r]/);
    expect(text).toContain(`\n'=cmd|' /C calc'!A0,https://x.example/a.mp4,failed,`);

    const read: [string, string][] = [];
    for await (const entry of eachEntry(openCsvManifest({ path: failedCsv, columns: { key: 'key', source: 'source' } }))) {
      expect(entry.kind).toBe('item');
      if (entry.kind === 'item') read.push([entry.item.key, entry.item.source]);
    }
    // The CSV reader trims keys, so a key's own leading tab or CR does not survive any manifest.
    expect(read.sort()).toEqual(
      [
        ["=cmd|' /C calc'!A0", 'https://x.example/a.mp4'],
        ['+1', 'https://x.example/b.mp4'],
        ['-2', 'https://x.example/c.mp4'],
        ['@SUM(A1)', 'https://x.example/d.mp4'],
        ['TAB', 'https://x.example/e.mp4'],
        ['CR', 'https://x.example/f.mp4'],
        ["'quoted", 'https://x.example/g.mp4'],
        ['plain', 'https://x.example/h.mp4'],
      ].sort(),
    );
    await store.close();
  });

  it('masks signed query strings in every column of csv and json reports; a masked source read back is rejected with the fix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-report-'));
    const amz = 'https://bucket.s3.amazonaws.com/v/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261127&X-Amz-Signature=feedface0123';
    const sas = 'https://acct.blob.core.windows.net/c/b.mp4?sv=2021-08-06&se=2026-11-28&sp=r&sig=SAS%2Bsecret%3D';
    const tokened = 'https://cdn.example/c.mp4?token=tok-987654321';
    const store = await failedLedger(dir, [
      ['a', amz],
      ['b', sas],
      [tokened, tokened],
    ], (key) => `cincopa could not fetch ${key === 'a' ? amz : sas}: HTTP 403`);
    for (const format of ['csv', 'json'] as const) {
      const text = await capture((out) => writeReport(store, out, { format, remoteId }));
      for (const secret of ['feedface0123', 'AKIAEXAMPLE', 'SAS%2Bsecret', 'tok-987654321']) expect(text, `${format} report`).not.toContain(secret);
      expect(text).toContain('https://bucket.s3.amazonaws.com/v/a.mp4?***');
      expect(text).toContain('https://acct.blob.core.windows.net/c/b.mp4?***');
    }
    const failedCsv = path.join(dir, 'failed.csv');
    writeFileSync(failedCsv, await capture((out) => writeReport(store, out, { format: 'csv', onlyFailed: true, remoteId })));
    const reasons: string[] = [];
    for await (const entry of eachEntry(openCsvManifest({ path: failedCsv, columns: { key: 'key', source: 'source' } }))) {
      expect(entry.kind).toBe('rejected');
      if (entry.kind === 'rejected') reasons.push(entry.row.reason);
    }
    expect(reasons).toHaveLength(3);
    for (const reason of reasons) expect(reason).toMatch(/masked in the ferry report .* Fix: re-export this item from its origin with a fresh URL$/);
    await store.close();
  });
});

/** A ledger whose items (key, source) all failed, with `error(key)` as their last error. */
async function failedLedger(dir: string, items: [key: string, source: string][], error: (key: string) => string = () => 'HTTP 404'): Promise<LedgerStore> {
  const store = openSqliteLedger(path.join(dir, 'l.sqlite'));
  await store.migrate();
  await store.upsertPlanned(await store.beginPlan(), encodePlanBatch(items.map(([key, source]) => ({ key, source, fields: {}, size: null, mtimeMs: null, origin: `m.csv:${key}` }))), 'reupload');
  await store.claim('w', items.length, 60_000);
  for (const [key] of items) await store.transition(key, 'w', { state: 'failed', lastError: error(key), finishedAt: Date.now() });
  return store;
}
