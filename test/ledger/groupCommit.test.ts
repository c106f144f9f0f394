// Group commit in the SQLite ledger: transitions asked for together share one transaction, a
// caller's promise resolves only once its row is committed (seen from a second connection, as
// `ferry status` or a restarted run would see it), and a transition that fails its own check
// fails only its caller.

import { mkdtempSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import { LeaseLostError, type LedgerStore } from '../../src/ledger/types.ts';
import { item } from './conformance.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

async function ledgerOf(keys: string[]): Promise<{ store: LedgerStore; observer: DatabaseSync }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-group-')), 'job.sqlite');
  const store = openSqliteLedger(file);
  cleanup.push(() => store.close());
  await store.migrate();
  await store.upsertPlanned(await store.beginPlan(), encodePlanBatch(keys.map((key) => item(key))), 'reupload');
  // Another connection: what a restarted run or `ferry status` would read from the file.
  const observer = new DatabaseSync(file, { readOnly: true });
  cleanup.push(() => observer.close());
  return { store, observer };
}

function committedState(observer: DatabaseSync, key: string): string {
  return (observer.prepare('SELECT state FROM items WHERE key = ?').get(key) as { state: string }).state;
}

describe('sqlite group commit', () => {
  it('resolves each transition only once its row is committed, and commits concurrent ones together', async () => {
    const keys = Array.from({ length: 20 }, (_, index) => `k${index}`);
    const { store, observer } = await ledgerOf(keys);
    await store.claim('w', keys.length, 60_000);
    const seenAtResolution = new Map<string, string[]>();
    const transitions = keys.map((key) =>
      store.transition(key, 'w', { state: 'uploaded' }).then(() => seenAtResolution.set(key, keys.map((other) => committedState(observer, other)))),
    );
    // Asked for, not yet committed: no other connection can see any of them.
    expect(keys.map((key) => committedState(observer, key))).toEqual(keys.map(() => 'pending'));
    await Promise.all(transitions);
    // When the first caller heard back, every row of its batch was already durable: one commit.
    for (const key of keys) expect(seenAtResolution.get(key), key).toEqual(keys.map(() => 'uploaded'));
  });

  it('fails only the transition whose lease is lost; the rest of its batch is committed', async () => {
    const { store, observer } = await ledgerOf(['mine', 'theirs', 'also-mine']);
    await store.claim('w', 3, 60_000);
    const results = await Promise.allSettled([
      store.transition('mine', 'w', { state: 'uploaded' }),
      store.transition('theirs', 'someone-else', { state: 'uploaded' }),
      store.transition('also-mine', 'w', { state: 'done' }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(['mine', 'theirs', 'also-mine'].map((key) => committedState(observer, key))).toEqual(['uploaded', 'pending', 'done']);
  });

  it('keeps call order: a read or write after a queued transition sees it', async () => {
    const { store, observer } = await ledgerOf(['a']);
    await store.claim('w', 1, 60_000);
    const first = store.transition('a', 'w', { state: 'uploaded', remote: { rid: 'r1' } });
    const second = store.transition('a', 'w', { state: 'placed' });
    expect((await store.get('a'))!.state).toBe('placed');
    expect(committedState(observer, 'a')).toBe('placed');
    expect((await first).state).toBe('uploaded');
    expect((await second).remote).toEqual({ rid: 'r1' });
  });

  it('commits queued transitions when the store closes', async () => {
    const { store, observer } = await ledgerOf(['a']);
    await store.claim('w', 1, 60_000);
    const pending = store.transition('a', 'w', { state: 'done' });
    await store.close();
    await pending;
    expect(committedState(observer, 'a')).toBe('done');
  });
});
