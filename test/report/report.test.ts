import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
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
});
