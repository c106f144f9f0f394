// Review of the planning rewrite (worker reader, byte batches, chunked upserts, migration 2).
// Each test states an outcome the planner must give whatever path (chunk or row by row,
// one batch or many) the rows take.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { openManifest } from '../../src/manifest/open.ts';
import { MIGRATIONS } from '../../src/ledger/sqlite/migrations.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore, PlanCounts } from '../../src/ledger/types.ts';
import { planManifest } from '../../src/plan/planner.ts';
import { item } from '../ledger/conformance.ts';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'ferry-review-'));
}

async function csvPlan(
  csv: string,
  batchSize: number,
  columns: Record<string, string> = { key: 'id', source: 'url' },
): Promise<{ store: LedgerStore; counts: PlanCounts; duplicates: [string, string][]; manifest: string }> {
  const dir = tempDir();
  const manifest = path.join(dir, 'm.csv');
  writeFileSync(manifest, csv);
  const store = openSqliteLedger(path.join(dir, 'job.sqlite'));
  await store.migrate();
  const duplicates: [string, string][] = [];
  const counts = await planManifest(store, { type: 'csv', path: manifest, columns: { source: 'url', ...columns } }, {
    policy: 'reupload',
    batchSize,
    onDuplicate: (key, origin) => duplicates.push([key, origin]),
  });
  return { store, counts, duplicates, manifest };
}

describe('review: migration 2 and rejected rows of a version-1 ledger', () => {
  it('a rejected row written by version 1 (which kept its old source and fields) is planned again once its manifest row is corrected, row by row and in a stamped chunk', async () => {
    // Version 1's reject, on a key that had been planned before, left source and fields as they
    // were and only blanked content_hash (ON CONFLICT ... SET content_hash = ''). Its next plan
    // compared hashes, so the corrected row was a change and went back to pending.
    const file = path.join(tempDir(), 'v1.sqlite');
    const db = new DatabaseSync(file);
    db.exec(MIGRATIONS.find((migration) => migration.version === 1)!.sql);
    db.exec('PRAGMA user_version = 1');
    const insert = db.prepare(
      `INSERT INTO items (key, source, fields, content_hash, origin, state, last_error, error_class, created_at, updated_at, plan_generation)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 0)`,
    );
    const keys = Array.from({ length: 200 }, (_, index) => `k${String(index).padStart(3, '0')}`);
    const rejectedKeys = new Set(['k050', 'k150']); // one in the row-by-row chunk, one in a stamped chunk
    for (const key of keys) {
      const { source, fields, origin } = item(key);
      if (rejectedKeys.has(key)) insert.run(key, source, JSON.stringify(fields), '', origin, 'failed', 'm.csv: the source is empty', 'rejected');
      else insert.run(key, source, JSON.stringify(fields), 'md5', origin, 'done', null, null);
    }
    db.close();

    const store = openSqliteLedger(file);
    await store.migrate();
    const result = await store.upsertPlanned(await store.beginPlan(), encodePlanBatch(keys.map((key) => item(key))), 'reupload');
    expect({ changed: result.changed, unchanged: result.unchanged }).toEqual({ changed: 2, unchanged: 198 });
    for (const key of rejectedKeys) expect((await store.get(key))!).toMatchObject({ state: 'pending', errorClass: null, lastError: null });
    expect(await store.claim('w', 10, 60_000)).toHaveLength(2);
    await store.close();
  });
});

describe('review: rejected rows and items of the same key, in manifest order', () => {
  // The reader can only cut a batch where a run of parsed rows ends, i.e. near the end of a 64 KB
  // read of the file: 'a,' (no url, rejected) is the last row of the first read, and the same
  // key, valid, the first row of the second.
  const header = 'id,url\n';
  const filler: string[] = [];
  let length = header.length;
  for (let index = 0; length < 65_536 - 200; index++) {
    const row = `f${String(index).padStart(5, '0')},https://x.example/f${index}.mp4\n`;
    filler.push(row);
    length += row.length;
  }
  const pad = `pad,https://x.example/pad.mp4?${'p'.repeat(65_536 - 5 - length - 3 - 'pad,https://x.example/pad.mp4?\n'.length)}\n`;
  const csv = `${header}${filler.join('')}${pad}a,\na,https://x.example/a.mp4\n`;

  it('the outcome does not depend on where the batches happen to end', async () => {
    const one = await csvPlan(csv, 1);
    const runs: string[][] = [];
    for await (const run of openManifest({ type: 'csv', path: one.manifest, columns: { key: 'id', source: 'url' } }).batches()) {
      runs.push(run.map((entry) => (entry.kind === 'item' ? entry.item.key : `rejected ${entry.row.key}`)));
    }
    expect([runs[0]!.at(-1), runs[1]![0]]).toEqual(['rejected a', 'a']); // the premise: two runs, so two batches at batchSize 1
    const many = await csvPlan(csv, 100_000);
    const outcome = async (run: typeof one) => ({
      counts: run.counts,
      duplicates: run.duplicates.map(([key]) => key),
      a: (await run.store.get('a'))!.state,
      stats: (await run.store.stats()).counts,
    });
    const [small, large] = [await outcome(one), await outcome(many)];
    expect(large).toEqual(small);
    await one.store.close();
    await many.store.close();
  });

  it('a key repeated as a rejected row after a valid one is reported as a duplicate', async () => {
    // The reverse order ([rejected b, valid b] in two batches) reports the repeat as a duplicate;
    // this order counts one rejected row that the ledger records nowhere, with no warning.
    const { store, duplicates, manifest } = await csvPlan(['id,url', 'b,https://x.example/b.mp4', 'b,', ''].join('\n'), 1);
    expect(duplicates).toEqual([['b', `${manifest}:3`]]);
    expect((await store.get('b'))!.state).toBe('pending'); // the first sighting wins
    await store.close();
  });
});

describe('review: what the reader thread carries into the ledger', () => {
  it('unicode, surrogate pairs, quoted newlines, empty and huge values arrive intact, and a re-plan of the same manifest finds every row unchanged', async () => {
    const huge = 'ü🎬'.repeat(300_000); // about 2 MB of UTF-8, several times the 16K-character text
    const rows = [
      ['é/日本語', 'https://x.example/%C3%A9.mp4', '🎬 "quoted", with comma', ''],
      ['empty-title', 'https://x.example/e.mp4', '', ''],
      ['multi-line', 'https://x.example/m.mp4', 'line one\nline two', 'a\r\nb'],
      ['huge', 'https://x.example/h.mp4', huge, 'x'],
      ...Array.from({ length: 250 }, (_, index) => [`k${index}`, `https://x.example/${index}.mp4`, `Titel ${index} 😀`, index % 2 ? '' : 'ß']),
    ];
    const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
    const csv = `\uFEFFid,url,title,note\n${rows.map((row) => row.map(quote).join(',')).join('\n')}\n`;
    const dir = tempDir();
    const manifest = path.join(dir, 'm.csv');
    writeFileSync(manifest, csv);
    const store = openSqliteLedger(path.join(dir, 'job.sqlite'));
    await store.migrate();
    const spec = { type: 'csv' as const, path: manifest, columns: { key: 'id', source: 'url', title: 'title', note: 'note' } };
    expect(await planManifest(store, spec, { policy: 'reupload', batchSize: 100 })).toEqual({ added: rows.length, changed: 0, unchanged: 0, duplicates: 0, conflicts: 0, rejected: 0, withdrawn: 0, returned: 0 });
    for (const [key, , title, note] of rows) expect((await store.get(key!))!.fields).toEqual({ title, note });
    expect((await store.get('multi-line'))!.fields.note).toBe('a\r\nb');
    expect(await planManifest(store, spec, { policy: 'reupload', batchSize: 100 })).toEqual({ added: 0, changed: 0, unchanged: rows.length, duplicates: 0, conflicts: 0, rejected: 0, withdrawn: 0, returned: 0 });
    await store.close();
  });
});
