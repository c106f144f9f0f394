// Batched steps: items in a state the target batches wait for company without holding a slot,
// so a batch can be larger than the run's concurrency; each member's outcome is persisted on its
// own, and a shared error (a 429 for the whole call) reaches every member.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { PermanentError, RateLimitedError } from '../../src/core/errors.ts';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { Runner } from '../../src/pipeline/runner.ts';
import type { BatchMember, BatchOutcome, Target } from '../../src/targets/types.ts';

const stores: LedgerStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function ledgerWith(count: number): Promise<LedgerStore> {
  const store = openSqliteLedger(path.join(mkdtempSync(path.join(tmpdir(), 'ferry-batch-')), 'l.sqlite'));
  stores.push(store);
  await store.migrate();
  const generation = await store.beginPlan();
  const items = Array.from({ length: count }, (_, index) => ({ key: `k${String(index).padStart(2, '0')}`, source: `https://example.test/${index}`, fields: {}, size: null, mtimeMs: null, origin: `test:${index}` }));
  await store.upsertPlanned(generation, encodePlanBatch(items), 'reupload');
  return store;
}

/** pending → described one by one; described → placed in batches of `maxItems` by `placeBatch`. */
function batchingTarget(maxItems: number, placeBatch: (members: BatchMember[], call: number) => Promise<BatchOutcome[]> | BatchOutcome[], lingerMs = 50): Target & { batches: number[] } {
  const batches: number[] = [];
  return {
    type: 'batching',
    capabilities: { resumableUpload: false, idempotencyLookup: false, batchSteps: true, verify: false },
    batching: { maxItems: { described: maxItems }, lingerMs },
    batches,
    prepare: async () => undefined,
    check: async () => [],
    step: async (item) => ({ state: item.state === 'pending' ? 'described' : 'done' }),
    stepBatch: async (members) => {
      batches.push(members.length);
      return placeBatch(members, batches.length);
    },
  };
}

const runner = (store: LedgerStore, target: Target, concurrency: number) =>
  new Runner({
    store,
    target,
    settings: { ...configSchema.parse({}).runner, concurrency, backoffBaseMs: 5, backoffMaxMs: 20, progressIntervalMs: 60_000 },
    log: pino({ level: 'silent' }),
    scrub: (text) => text,
  });

describe('batched steps', () => {
  it('forms batches larger than the concurrency, and every member continues on its own', async () => {
    const store = await ledgerWith(23);
    const target = batchingTarget(10, (members) => members.map(() => ({ result: { state: 'placed', remote: { placed: true } } })));
    const outcome = await runner(store, target, 2).run();
    expect(outcome.stats.counts.done).toBe(23);
    expect(target.batches.reduce((sum, size) => sum + size, 0)).toBe(23);
    expect(Math.max(...target.batches)).toBe(10);
    expect(target.batches.length).toBeLessThanOrEqual(5);
    for await (const item of store.iterate()) expect(item.remote).toEqual({ placed: true });
  });

  it('sends a batch at once when every item in flight waits for it, without lingering', async () => {
    const store = await ledgerWith(3);
    // A linger far longer than the test's timeout: only the "no other item can join" rule ends it.
    const target = batchingTarget(50, (members) => members.map(() => ({ result: { state: 'placed' } })), 600_000);
    const outcome = await runner(store, target, 4).run();
    expect(outcome.stats.counts.done).toBe(3);
    expect(target.batches).toEqual([3]);
    // Nor on the claim loop's idle timer (1 s): the last item to start waiting wakes the loop.
    expect(outcome.durationMs).toBeLessThan(900);
  });

  it('persists each member outcome: one fails permanently, the others go on', async () => {
    const store = await ledgerWith(6);
    const target = batchingTarget(6, (members) =>
      members.map((member) => (member.item.key === 'k03' ? { error: new PermanentError('refused', 'the platform refused k03') } : { result: { state: 'placed' } })),
    );
    await runner(store, target, 3).run();
    expect(await store.get('k03')).toMatchObject({ state: 'failed', lastError: 'the platform refused k03' });
    const done = [];
    for await (const item of store.iterate({ states: ['done'] })) done.push(item.key);
    expect(done).toEqual(['k00', 'k01', 'k02', 'k04', 'k05']);
  });

  it('a 429 for the whole call pauses the target and the batch is tried again without spending attempts', async () => {
    const store = await ledgerWith(4);
    const target = batchingTarget(4, (members, call) =>
      call === 1 ? members.map(() => ({ error: new RateLimitedError('429', 'slow down', 200) })) : members.map(() => ({ result: { state: 'placed' } })),
    );
    const began = Date.now();
    const outcome = await runner(store, target, 2).run();
    expect(outcome.stats.counts.done).toBe(4);
    expect(target.batches[0]).toBe(4);
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    for await (const item of store.iterate()) expect(item.attempts).toBe(0);
  });

  it('a checkpoint from inside a batch is persisted before the batch call returns', async () => {
    const store = await ledgerWith(3);
    const seen: unknown[] = [];
    const target = batchingTarget(3, async (members) => {
      await Promise.all(members.map((member) => member.checkpoint({ intent: member.item.key })));
      for (const member of members) seen.push((await store.get(member.item.key))!.remote);
      return members.map(() => ({ result: { state: 'placed' } }));
    });
    await runner(store, target, 1).run();
    expect(seen).toEqual([{ intent: 'k00' }, { intent: 'k01' }, { intent: 'k02' }]);
  });
});
