// A batch never carries an item another worker holds: before a batch call each member's intent
// is saved under its lease, and a member whose lease expired and went to another worker is left
// out with LeaseLostError while the others go ahead (a real SQLite ledger; time moved with
// `now`, as the ledger conformance suite does).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.ts';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { LeaseLostError } from '../../src/ledger/types.ts';
import { saveIntents } from '../../src/targets/batchIntent.ts';
import type { BatchMember, BatchOutcome } from '../../src/targets/types.ts';
import { item } from '../ledger/conformance.ts';

it('leaves out a member whose lease went to another worker, and saves the intent of the others', async () => {
  const store = await openLedger(path.join(mkdtempSync(path.join(tmpdir(), 'ferry-intent-')), 'job.sqlite'), { job: 'intent' });
  try {
    await store.migrate();
    await store.upsertPlanned(await store.beginPlan(), encodePlanBatch([item('a'), item('b'), item('c')]), 'reupload');
    const t0 = Date.now();
    const held = await store.claim('worker-1', 3, 1_000, t0);
    // worker-1 stalls past its leases; worker-2 reclaims one of the items.
    const stolen = await store.claim('worker-2', 1, 60_000, t0 + 2_000);
    expect(stolen).toHaveLength(1);
    const stolenKey = stolen[0]!.key;
    const members: BatchMember[] = held.map((record) => ({ item: record, checkpoint: async (remote) => void (await store.transition(record.key, 'worker-1', { remote })), peers: { countWithSourceName: async () => 0 } }));
    const outcomes: BatchOutcome[] = new Array(3);
    const kept = await saveIntents(members, [0, 1, 2], (member) => ({ ...member.item.remote, placeIntentAt: 1 }), outcomes);
    const others = held.map((record) => record.key).filter((key) => key !== stolenKey);
    expect(kept.map((index) => held[index]!.key)).toEqual(others);
    const left = outcomes[held.findIndex((record) => record.key === stolenKey)];
    expect(left && 'error' in left && left.error).toBeInstanceOf(LeaseLostError);
    for (const key of others) expect((await store.get(key))!.remote).toMatchObject({ placeIntentAt: 1 });
    expect((await store.get(stolenKey))!.remote).not.toHaveProperty('placeIntentAt');
  } finally {
    await store.close();
  }
});
