import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
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
});
