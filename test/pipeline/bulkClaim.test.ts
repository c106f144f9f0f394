// The runner claims items in bulk: few claim transactions for many items, no item driven twice,
// and items claimed but still waiting for a slot stay leased to the runner (the heartbeat
// renews them), so no other worker can take them.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { Runner } from '../../src/pipeline/runner.ts';
import { scriptedTarget, usePlannedLedgers } from '../helpers/runnerFixtures.ts';
import { waitFor } from '../helpers/wait.ts';

const plannedLedger = usePlannedLedgers();

async function ledgerWith(count: number): Promise<{ store: LedgerStore; claims: number[] }> {
  const store = await plannedLedger(Array.from({ length: count }, (_, index) => `k${String(index).padStart(4, '0')}`));
  // Each claim's size, as the runner asked for it.
  const claims: number[] = [];
  const claim = store.claim.bind(store);
  store.claim = async (owner, limit, leaseMs, now) => {
    const claimed = await claim(owner, limit, leaseMs, now);
    if (claimed.length > 0) claims.push(claimed.length);
    return claimed;
  };
  return { store, claims };
}

const settings = (overrides: Partial<ReturnType<typeof configSchema.parse>['runner']>) => ({ ...configSchema.parse({}).runner, progressIntervalMs: 60_000, ...overrides });

describe('bulk claiming', () => {
  it('claims many items per transaction and drives each exactly once', async () => {
    const { store, claims } = await ledgerWith(400);
    const target = scriptedTarget(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { state: 'done' };
    });
    const outcome = await new Runner({ store, target, settings: settings({ concurrency: 16 }), log: pino({ level: 'silent' }), scrub: (text) => text }).run();
    expect(outcome.stats.counts.done).toBe(400);
    expect(target.calls.size).toBe(400);
    expect([...target.calls.values()].every((calls) => calls === 1)).toBe(true);
    // At least half a concurrency's worth per claim, bar the last: not one claim per item.
    expect(claims.reduce((sum, size) => sum + size, 0)).toBe(400);
    expect(claims.slice(0, -1).every((size) => size >= 8), claims.join(',')).toBe(true);
    expect(claims.length).toBeLessThanOrEqual(400 / 8 + 1);
  });

  it('keeps items that wait for a slot leased past their lease time: another worker cannot take them', async () => {
    const { store } = await ledgerWith(4);
    const leaseMs = 1_200;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const target = scriptedTarget(async () => {
      await held;
      return { state: 'done' };
    });
    const started = Date.now();
    const running = new Runner({ store, target, settings: settings({ concurrency: 2, leaseMs }), log: pino({ level: 'silent' }), scrub: (text) => text }).run();
    // Two items in the slots, two claimed behind them.
    await waitFor(() => target.calls.size === 2, 'two steps to start');
    await waitFor(() => Date.now() > started + leaseMs * 1.5, 'the first lease period to pass', 10_000);
    expect(target.calls.size).toBe(2);
    expect(await store.claim('intruder', 10, leaseMs)).toEqual([]);
    release();
    const outcome = await running;
    expect(outcome.stats.counts.done).toBe(4);
    expect([...target.calls.values()]).toEqual([1, 1, 1, 1]);
  });
});
