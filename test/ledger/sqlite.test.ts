import { mkdtempSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { openCsvManifest } from '../../src/manifest/csv.ts';
import { planManifest } from '../../src/plan/planner.ts';
import { describeLedgerConformance, item } from './conformance.ts';

const open: LedgerStore[] = [];
afterAll(async () => {
  await Promise.all(open.map((store) => store.close()));
});

async function fresh(file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'job.sqlite')): Promise<LedgerStore> {
  const store = openSqliteLedger(file);
  open.push(store);
  await store.migrate();
  return store;
}

describeLedgerConformance('sqlite', () => fresh());

describe('sqlite ledger specifics', () => {
  it('is shared by two connections on one file, as a run and `ferry status` in another shell', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'shared.sqlite');
    const run = await fresh(file);
    const status = await fresh(file);
    const generation = await run.beginPlan();
    await run.upsertPlanned(generation, [item('a'), item('b')], 'reupload');
    await run.claim('w', 1, 60_000);
    expect((await status.stats()).total).toBe(2);
    // A second connection cannot steal an item the first one holds.
    expect(await status.claim('other', 5, 60_000)).toHaveLength(1);
  });

  it('migrates idempotently and keeps data across reopening', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'reopen.sqlite');
    const first = await fresh(file);
    await first.upsertPlanned(await first.beginPlan(), [item('kept')], 'reupload');
    await first.close();
    const second = await fresh(file);
    await second.migrate();
    expect((await second.get('kept'))!.state).toBe('pending');
  });

  const claimIndexExists = (file: string): boolean => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'items_claimable'").get() !== undefined;
    } finally {
      db.close();
    }
  };

  it('a first plan builds the claim index once at the end; a plan cut short gets it back at the next plan', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-ledger-'));
    const file = path.join(dir, 'bulk.sqlite');
    const manifest = path.join(dir, 'm.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(manifest, 'id,url\n' + Array.from({ length: 30 }, (_, index) => `k${index},https://x.example/${index}.mp4`).join('\n')));
    const store = await fresh(file);
    await planManifest(store, openCsvManifest({ path: manifest, columns: { key: 'id', source: 'url' } }), { policy: 'reupload', batchSize: 10 });
    expect(claimIndexExists(file)).toBe(true);
    expect(await store.claim('w', 100, 60_000)).toHaveLength(30);

    // Killed after the first batch: the index is gone, and the next plan restores it first.
    const cut = await fresh(path.join(dir, 'cut.sqlite'));
    await cut.upsertPlanned(await cut.beginPlan(), [item('a'), item('b')], 'reupload');
    expect(claimIndexExists(path.join(dir, 'cut.sqlite'))).toBe(false);
    await cut.beginPlan();
    expect(claimIndexExists(path.join(dir, 'cut.sqlite'))).toBe(true);
  });

  it('migrates a version-1 ledger: items keep their content and are not seen as changed', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'v1.sqlite');
    const db = new DatabaseSync(file);
    db.exec(readFileSync(new URL('../../src/ledger/sqlite/migrations/0001_init.sql', import.meta.url), 'utf8'));
    db.exec('PRAGMA user_version = 1');
    const { source, fields, origin } = item('old');
    db.prepare(`INSERT INTO items (key, source, fields, content_hash, origin, state, created_at, updated_at, plan_generation) VALUES ('old', ?, ?, 'md5', ?, 'done', 1, 1, 0)`).run(source, JSON.stringify(fields), origin);
    db.close();
    const store = await fresh(file);
    const generation = await store.beginPlan();
    expect(await store.upsertPlanned(generation, [item('old')], 'reupload')).toMatchObject({ unchanged: 1, changed: 0 });
    expect((await store.get('old'))!.state).toBe('done');
  });
});
