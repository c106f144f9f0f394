// What the runner's tests share: a real SQLite ledger planned with some keys (closed after each
// test), and a target whose step runs a script and counts its calls per item.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { ItemRecord, LedgerStore } from '../../src/ledger/types.ts';
import type { StepContext, StepResult, Target } from '../../src/targets/types.ts';

/** Returns a function that opens a fresh ledger with `keys` planned; every ledger it opened is closed after each test. */
export function usePlannedLedgers(): (keys: string[]) => Promise<LedgerStore> {
  const stores: LedgerStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  return async (keys) => {
    const store = openSqliteLedger(path.join(mkdtempSync(path.join(tmpdir(), 'ferry-runner-')), 'l.sqlite'));
    stores.push(store);
    await store.migrate();
    const generation = await store.beginPlan();
    await store.upsertPlanned(generation, encodePlanBatch(keys.map((key) => ({ key, source: `https://example.test/${key}`, fields: {}, size: null, mtimeMs: null, origin: `test:${key}` }))), 'reupload');
    return store;
  };
}

/** A target whose step for each item runs `script(item, callNumber, ctx)`; `calls` counts the steps per key. */
export function scriptedTarget(script: (item: ItemRecord, call: number, ctx: StepContext) => Promise<StepResult> | StepResult): Target & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    type: 'scripted',
    capabilities: { resumableUpload: false, idempotencyLookup: false, batchSteps: false, verify: false },
    calls,
    prepare: async () => undefined,
    check: async () => [],
    step: async (item, ctx) => {
      const call = (calls.get(item.key) ?? 0) + 1;
      calls.set(item.key, call);
      return script(item, call, ctx);
    },
  };
}
