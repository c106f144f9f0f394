// The runner against a real SQLite ledger and a scripted target: retries with backoff, the
// attempt budget, rate-limit pauses that cost no attempts, permanent failures, auth stops,
// polling that gives its slot back, and two-stage shutdown.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AuthError, PermanentError, RateLimitedError, RetryableError } from '../../src/core/errors.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { Runner } from '../../src/pipeline/runner.ts';
import type { StepResult, Target } from '../../src/targets/types.ts';
import { scriptedTarget, usePlannedLedgers } from '../helpers/runnerFixtures.ts';
import { waitFor } from '../helpers/wait.ts';

const ledgerWith = usePlannedLedgers();

const settings = (overrides: Partial<ReturnType<typeof configSchema.parse>['runner']> = {}) => ({
  ...configSchema.parse({}).runner,
  backoffBaseMs: 5,
  backoffMaxMs: 20,
  progressIntervalMs: 60_000,
  ...overrides,
});

const runner = (store: LedgerStore, target: Target, overrides: Parameters<typeof settings>[0] = {}) =>
  new Runner({ store, target, settings: settings(overrides), log: pino({ level: 'silent' }), scrub: (text) => text });

describe('runner', () => {
  it('drives every item to done through several steps', async () => {
    const store = await ledgerWith(['a', 'b', 'c', 'd', 'e']);
    const target = scriptedTarget((item) => ({ state: item.state === 'pending' ? 'uploaded' : item.state === 'uploaded' ? 'placed' : 'done', remote: { step: item.state } }));
    const outcome = await runner(store, target, { concurrency: 2 }).run();
    expect(outcome.stats.counts.done).toBe(5);
    expect(outcome.interrupted).toBe(false);
    expect((await store.get('c'))!.remote).toEqual({ step: 'placed' });
    expect([...target.calls.values()]).toEqual([3, 3, 3, 3, 3]);
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    const store = await ledgerWith(['flaky']);
    const target = scriptedTarget((_item, call) => {
      if (call < 3) throw new RetryableError('net', `reset #${call}`);
      return { state: 'done' };
    });
    const outcome = await runner(store, target).run();
    expect(outcome.stats.counts.done).toBe(1);
    const item = (await store.get('flaky'))!;
    expect(item.attempts).toBe(2);
    expect(item.lastError).toBeNull();
  });

  it('quarantines an item that exhausts its attempts, with the last error', async () => {
    const store = await ledgerWith(['doomed', 'fine']);
    const target = scriptedTarget((item, call) => {
      if (item.key === 'doomed') throw new RetryableError('net', `boom ${call}`);
      return { state: 'done' };
    });
    const outcome = await runner(store, target, { maxAttempts: 4 }).run();
    expect(outcome.stats.counts).toMatchObject({ done: 1, failed: 1 });
    const doomed = (await store.get('doomed'))!;
    expect(doomed.state).toBe('failed');
    expect(doomed.attempts).toBe(4);
    expect(doomed.lastError).toBe('gave up after 4 attempts: boom 4');
    expect(target.calls.get('doomed')).toBe(4);
  });

  it('fails a permanent error at once, counting the attempt that failed', async () => {
    const store = await ledgerWith(['bad', 'late']);
    const target = scriptedTarget((item, call) => {
      if (item.key === 'late' && call === 1) throw new RetryableError('net', 'reset');
      throw new PermanentError('source', 'HTTP 404 fetching the source');
    });
    await runner(store, target).run();
    expect(await store.get('bad')).toMatchObject({ state: 'failed', attempts: 1, lastError: 'HTTP 404 fetching the source', errorClass: 'permanent:source' });
    // One retried attempt, then the one that failed for good: two, as the report should say.
    expect(await store.get('late')).toMatchObject({ state: 'failed', attempts: 2, errorClass: 'permanent:source' });
  });

  it('pauses the whole target on a 429 for Retry-After, spending no attempts', async () => {
    const store = await ledgerWith(['r1', 'r2', 'r3', 'r4']);
    const startedAt: number[] = [];
    let limited = false;
    const target = scriptedTarget((item, call) => {
      if (!limited) {
        limited = true;
        throw new RateLimitedError('429', 'slow down', 300);
      }
      startedAt.push(Date.now());
      return { state: 'done', remote: { call } };
    });
    const began = Date.now();
    // One slot, so every step after the 429 starts after it (steps already in flight cannot be recalled).
    const outcome = await runner(store, target, { concurrency: 1, maxAttempts: 1 }).run();
    expect(outcome.stats.counts.done).toBe(4);
    // After the 429, no step ran before the pause ended — on any item, not just the limited one.
    expect(Math.min(...startedAt) - began).toBeGreaterThanOrEqual(280);
    for (const key of ['r1', 'r2', 'r3', 'r4']) expect((await store.get(key))!.attempts).toBe(0);
  });

  it('stops the run on an auth failure without failing items', async () => {
    const store = await ledgerWith(['x', 'y', 'z']);
    const target = scriptedTarget(() => {
      throw new AuthError('403', 'token refused');
    });
    const outcome = await runner(store, target, { concurrency: 1 }).run();
    expect(outcome.authFailure?.message).toBe('token refused');
    expect(outcome.stats.counts.failed).toBe(0);
    expect(outcome.stats.counts.pending).toBe(3);
    expect(target.calls.size).toBe(1);
  });

  it('gives the slot back while polling: with one slot, another item runs during the wait, and the wait is kept', async () => {
    // Planned first, so claimed first (claims take the earliest not_before, ties in ledger order).
    const store = await ledgerWith(['poll', 'other']);
    const events: { key: string; call: number; at: number; leaseOwner: string | null }[] = [];
    const target = scriptedTarget(async (item, call) => {
      events.push({ key: item.key, call, at: Date.now(), leaseOwner: (await store.get('poll'))!.leaseOwner });
      if (item.key === 'other') return { state: 'done' };
      return call < 3 ? { state: 'submitted', remote: { polls: call }, againAfterMs: 300 } : { state: 'done' };
    });
    await runner(store, target, { concurrency: 1 }).run();
    const polls = events.filter((event) => event.key === 'poll');
    const other = events.find((event) => event.key === 'other')!;
    expect(polls.map((event) => event.call)).toEqual([1, 2, 3]);
    // The interval between polls is kept...
    expect(polls[1]!.at - polls[0]!.at).toBeGreaterThanOrEqual(295);
    expect(polls[2]!.at - polls[1]!.at).toBeGreaterThanOrEqual(295);
    // ...and the only slot is not held meanwhile: 'other' ran during the first wait, with 'poll'
    // unleased (given back to the queue, not sleeping in its slot).
    expect(polls[0]!.at).toBeLessThanOrEqual(other.at);
    expect(other.at).toBeLessThan(polls[1]!.at);
    expect(other.leaseOwner).toBeNull();
    expect(await store.get('poll')).toMatchObject({ state: 'done', attempts: 0, remote: { polls: 2 }, leaseOwner: null });
  });

  it('drain() finishes the steps in flight, leaves the rest pending, and releases every lease', async () => {
    const store = await ledgerWith(Array.from({ length: 20 }, (_, index) => `k${index}`));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const target = scriptedTarget(async () => {
      await gate;
      return { state: 'done' };
    });
    const run = runner(store, target, { concurrency: 3 });
    const finished = run.run();
    await waitFor(() => target.calls.size === 3, 'three steps in flight');
    run.drain();
    release();
    const outcome = await finished;
    expect(outcome.interrupted).toBe(true);
    expect(outcome.stats.counts.done).toBe(3);
    expect(outcome.stats.counts.pending).toBe(17);
    expect(target.calls.size).toBe(3); // no step started after the drain
    for await (const item of store.iterate()) expect(item.leaseOwner).toBeNull();
  });

  it('abort() cancels a step in flight without counting an attempt', async () => {
    const store = await ledgerWith(['long']);
    let sawAbort = false;
    const target = scriptedTarget(
      (_item, _call, ctx) =>
        new Promise<StepResult>((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted by signal'));
          });
        }),
    );
    const run = runner(store, target);
    const finished = run.run();
    await waitFor(() => target.calls.get('long') === 1, 'the step to be in flight');
    run.abort();
    const outcome = await finished;
    expect(sawAbort).toBe(true); // the step in flight was cancelled, not merely never started
    expect(outcome.interrupted).toBe(true);
    expect(target.calls.get('long')).toBe(1);
    expect(await store.get('long')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null, lastError: null });
  });
  it('runs a target\'s local states without a slot: a long local step never holds up a platform step', async () => {
    const store = await ledgerWith(['local', 'remote']);
    let releaseLocal: () => void = () => undefined;
    const localDone = new Promise<void>((resolve) => (releaseLocal = resolve));
    let platformStepRan = false;
    const target: Target = {
      ...scriptedTarget(async (item) => {
        if (item.state === 'pending') {
          // Hashing, say: 'local' takes long, holding no slot.
          if (item.key === 'local') await localDone;
          return { state: 'hashed' };
        }
        platformStepRan ||= item.key === 'remote';
        return { state: 'done' };
      }),
      localStates: ['pending'],
    };
    // One slot: 'remote' must get it for its platform step while 'local' is still hashing.
    const running = runner(store, target, { concurrency: 1 }).run();
    await waitFor(() => platformStepRan, "the other item's platform step while the local step is busy", 10_000);
    releaseLocal();
    const outcome = await running;
    expect(outcome.stats.counts.done).toBe(2);
  });
});
