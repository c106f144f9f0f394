import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/ledger/sqlite/migrations.ts';
import { ledgerPathForJob } from '../../src/ledger/sqlite/paths.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { describeLedgerConformance, item } from './conformance.ts';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { sqlStates } from '../../src/ledger/sqlStates.ts';
import { TERMINAL_STATES } from '../../src/ledger/types.ts';

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

let jobs = 0;
describeLedgerConformance('sqlite', {
  fresh: () => ({ location: path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'job.sqlite'), job: `job${++jobs}` }),
  async pretendNewerSchema(location, version) {
    const db = new DatabaseSync(location);
    const before = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    db.exec(`PRAGMA user_version = ${version}`);
    db.close();
    return async () => {
      const undo = new DatabaseSync(location);
      undo.exec(`PRAGMA user_version = ${before}`);
      undo.close();
    };
  },
});

describe('sqlite ledger specifics', () => {
  it('is shared by two connections on one file, as a run and `ferry status` in another shell', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'shared.sqlite');
    const run = await fresh(file);
    const status = await fresh(file);
    const generation = await run.beginPlan();
    await run.upsertPlanned(generation, encodePlanBatch([item('a'), item('b')]), 'reupload');
    await run.claim('w', 1, 60_000);
    expect((await status.stats()).total).toBe(2);
    // A second connection cannot steal an item the first one holds.
    expect(await status.claim('other', 5, 60_000)).toHaveLength(1);
  });

  it('migrates idempotently and keeps data across reopening', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'reopen.sqlite');
    const first = await fresh(file);
    await first.upsertPlanned(await first.beginPlan(), encodePlanBatch([item('kept')]), 'reupload');
    await first.close();
    const second = await fresh(file);
    await second.migrate();
    expect((await second.get('kept'))!.state).toBe('pending');
  });

  it('migrates a version-1 ledger: items keep their content and are not seen as changed', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'v1.sqlite');
    const db = new DatabaseSync(file);
    db.exec(MIGRATIONS.find((migration) => migration.version === 1)!.sql);
    db.exec('PRAGMA user_version = 1');
    const { source, fields, origin } = item('old');
    db.prepare(`INSERT INTO items (key, source, fields, content_hash, origin, state, created_at, updated_at, plan_generation) VALUES ('old', ?, ?, 'md5', ?, 'done', 1, 1, 0)`).run(source, JSON.stringify(fields), origin);
    db.close();
    const store = await fresh(file);
    const generation = await store.beginPlan();
    expect(await store.upsertPlanned(generation, encodePlanBatch([item('old')]), 'reupload')).toMatchObject({ unchanged: 1, changed: 0 });
    expect((await store.get('old'))!.state).toBe('done');
  });

  it('is one machine\'s ledger: a run lock file beside it, leases by this process\'s clock, reclaimed at start', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'policies.sqlite');
    const store = await fresh(file);
    expect(store.policies).toEqual({ runLockFile: `${file}.lock`, reclaimLeasesAtStart: true, leaseClock: 'process' });
    expect(store.job).toBe('policies');
  });

  it('claims through the partial index built from the state constant', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-ledger-')), 'index.sqlite');
    await fresh(file);
    const db = new DatabaseSync(file);
    const { sql } = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'items_claimable'`).get() as { sql: string };
    expect(sql).toContain(`WHERE state NOT IN (${sqlStates(TERMINAL_STATES)})`);
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT key FROM items WHERE state NOT IN (${sqlStates(TERMINAL_STATES)}) AND not_before <= 1 ORDER BY not_before LIMIT 5`).all() as { detail: string }[];
    db.close();
    expect(plan.map((step) => step.detail).join(' ')).toContain('items_claimable');
  });

  // The ledger keeps signed upload URLs (resume needs them): only its owner may read it.
  it('is readable by its owner only: the file, its -wal and -shm, and the .ferry folder', async () => {
    const jobDir = mkdtempSync(path.join(tmpdir(), 'ferry-ledger-'));
    const file = ledgerPathForJob(path.join(jobDir, 'job.json'), 'job');
    const store = await fresh(file);
    await store.upsertPlanned(await store.beginPlan(), encodePlanBatch([item('a')]), 'reupload');
    const mode = (target: string): string => (statSync(target).mode & 0o777).toString(8);
    expect(mode(path.dirname(file))).toBe('700');
    for (const suffix of ['', '-wal', '-shm']) {
      expect(existsSync(file + suffix), suffix).toBe(true);
      expect(mode(file + suffix), `ledger${suffix}`).toBe('600');
    }
  });

  it('tightens a ledger and a .ferry folder that an earlier version left readable by others', async () => {
    const jobDir = mkdtempSync(path.join(tmpdir(), 'ferry-ledger-'));
    const folder = path.join(jobDir, '.ferry');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const file = path.join(folder, 'job.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const store = await fresh(ledgerPathForJob(path.join(jobDir, 'job.json'), 'job'));
    await store.upsertPlanned(await store.beginPlan(), encodePlanBatch([item('a')]), 'reupload');
    expect((statSync(folder).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(`${file}-wal`).mode & 0o777).toString(8)).toBe('600');
  });
});
