// Drives one claimed item through its target's steps. Every step's outcome is persisted before
// the next external call depends on it (DESIGN.md resume rule): the ledger row, not this
// function's memory, is what a restarted run continues from. Each step takes a queue slot only
// while it talks to the platform; batched steps wait for their batch without one.

import type { Logger } from 'pino';
import { AuthError, PermanentError, RateLimitedError, RetryableError } from '../core/errors.ts';
import { isTerminal, LeaseLostError, type ItemRecord, type LedgerStore } from '../ledger/types.ts';
import type { RunnerSettings } from '../config/schema.ts';
import type { RunnerMetrics } from '../metrics/types.ts';
import type { BatchOutcome, ItemPeers, Target } from '../targets/types.ts';
import { backoffDelay, sleep } from './backoff.ts';
import type { PauseGate } from './pauseGate.ts';
import type { StepBatcher } from './stepBatcher.ts';

export interface DriveContext {
  store: LedgerStore;
  target: Target;
  settings: RunnerSettings;
  owner: string;
  gate: PauseGate;
  log: Logger;
  /** Runs `work` in one of the run's `concurrency` slots. */
  slot<T>(work: () => Promise<T>): Promise<T>;
  /** Present when the target batches some states. */
  batcher: StepBatcher | undefined;
  /** Aborts in-flight steps (second Ctrl-C, auth failure). */
  abortSignal: AbortSignal;
  /** Set when the run should stop taking new steps (first Ctrl-C): the item is released as is. */
  isDraining(): boolean;
  scrub(text: string): string;
  onAuthFailure(error: AuthError): void;
  metrics: RunnerMetrics;
}

function peersOf(item: ItemRecord, ctx: DriveContext): ItemPeers {
  return { countWithSourceName: (fileName) => ctx.store.countWithSourceName(fileName, item.key) };
}

/** The item was not stepped (the run is stopping): give it back as it is. */
export const RELEASE = Symbol('release');

/** A drain or an abort has begun: no new step may start. */
export function stopping(ctx: Pick<DriveContext, 'isDraining' | 'abortSignal'>): boolean {
  return ctx.isDraining() || ctx.abortSignal.aborted;
}

/**
 * Polling steps hand their slot back to the queue instead of sleeping in it, once the wait is
 * longer than this: a slot is for moving bytes, not for waiting on the platform.
 */
const INLINE_WAIT_LIMIT_MS = 250;

export async function driveItem(initial: ItemRecord, ctx: DriveContext): Promise<void> {
  const log = ctx.log.child({ item: initial.key });
  let item = initial;
  try {
    if (item.startedAt === null) item = await ctx.store.transition(item.key, ctx.owner, { startedAt: Date.now() });
    while (!isTerminal(item.state)) {
      const budgetLeft = (item.startedAt ?? Date.now()) + ctx.settings.itemTimeoutMs - Date.now();
      if (budgetLeft <= 0) {
        item = await fail(item, ctx, 'budget', `time budget of ${ctx.settings.itemTimeoutMs} ms exceeded in state ${item.state}`);
        break;
      }
      item = await stepOnce(item, ctx, log);
      if (item.leaseOwner === null && !isTerminal(item.state)) return; // handed back to wait
    }
    if (item.state === 'failed') log.warn({ error: item.lastError }, 'item failed');
    else log.debug({ state: item.state }, 'item finished');
  } catch (error) {
    if (error instanceof LeaseLostError) {
      log.warn('lease lost to another worker; leaving the item to it');
      return;
    }
    if (ctx.abortSignal.aborted) return; // a cancelled wait; the item keeps its last persisted state
    throw error;
  }
}

async function stepOnce(item: ItemRecord, ctx: DriveContext, log: Logger): Promise<ItemRecord> {
  const stepLog = log.child({ state: item.state });
  let remote = item.remote;
  const checkpoint = async (next: typeof remote, bytes?: number): Promise<void> => {
    remote = next;
    await ctx.store.transition(item.key, ctx.owner, { remote: next, ...(bytes === undefined ? {} : { bytes }) });
  };
  // A local step (hashing a file, ...) talks to no platform: it needs no slot and no open gate.
  const local = ctx.target.localStates?.includes(item.state) === true;
  const inSlot = local ? <T>(work: () => Promise<T>): Promise<T> => work() : ctx.slot;
  const outcome: BatchOutcome | typeof RELEASE = ctx.batcher?.batches(item.state)
    ? await ctx.batcher.submit(item.state, { item, checkpoint, peers: peersOf(item, ctx) })
    : await inSlot(async () => {
        // Decided when the slot is ours, not when the item was queued: a drain or a 429 pause
        // may have begun while it waited.
        if (stopping(ctx)) return RELEASE;
        if (!local) await ctx.gate.wait(ctx.abortSignal);
        try {
          return { result: await ctx.target.step(item, { log: stepLog, signal: ctx.abortSignal, checkpoint, peers: peersOf(item, ctx) }) };
        } catch (error) {
          reactAtOnce(error, item.attempts, ctx);
          return { error };
        }
      });
  if (outcome === RELEASE || ('error' in outcome && outcome.error === RELEASE)) return ctx.store.transition(item.key, ctx.owner, { releaseLease: true });
  if ('error' in outcome) return handleStepError({ ...item, remote }, outcome.error, ctx, stepLog);
  const result = outcome.result;
  const merged = { ...remote, ...result.remote };
  const finished = isTerminal(result.state);
  if (result.againAfterMs !== undefined && result.againAfterMs > INLINE_WAIT_LIMIT_MS && !finished) {
    return ctx.store.transition(item.key, ctx.owner, { state: result.state, remote: merged, notBefore: Date.now() + result.againAfterMs, releaseLease: true });
  }
  const next = await ctx.store.transition(item.key, ctx.owner, {
    state: result.state,
    remote: merged,
    notBefore: null,
    ...(result.bytes === undefined ? {} : { bytes: result.bytes }),
    ...(finished ? { finishedAt: Date.now(), lastError: result.state === 'failed' ? item.lastError : null } : {}),
  });
  if (result.againAfterMs) await sleep(result.againAfterMs, ctx.abortSignal);
  if (result.state !== item.state) stepLog.debug({ to: result.state }, 'step done');
  return next;
}

async function handleStepError(item: ItemRecord, error: unknown, ctx: DriveContext, log: Logger): Promise<ItemRecord> {
  if (error instanceof LeaseLostError) throw error;
  const message = ctx.scrub(error instanceof Error ? error.message : String(error));
  if (ctx.abortSignal.aborted) {
    // Interrupted mid-step: nothing was decided, so no attempt is counted.
    return ctx.store.transition(item.key, ctx.owner, { releaseLease: true });
  }
  if (error instanceof AuthError) {
    reactAtOnce(error, item.attempts, ctx);
    return ctx.store.transition(item.key, ctx.owner, { lastError: message, errorClass: `auth:${error.code}`, releaseLease: true });
  }
  // The attempt that failed for good is an attempt: `attempts` says how often the item was tried.
  if (error instanceof PermanentError) return fail({ ...item, attempts: item.attempts + 1 }, ctx, `permanent:${error.code}`, message);
  if (error instanceof RateLimitedError) {
    // Rate limiting is the platform's pace, not the item's fault: no attempt is spent, the
    // whole target waits, and the item's time budget still bounds the total.
    const waitMs = reactAtOnce(error, item.attempts, ctx);
    log.warn({ retryAfterMs: waitMs }, 'rate limited; pausing the target');
    return ctx.store.transition(item.key, ctx.owner, { lastError: message, errorClass: `rate-limited:${error.code}`, notBefore: Date.now() + waitMs, releaseLease: true });
  }
  const attempts = item.attempts + 1;
  const errorClass = error instanceof RetryableError ? `retryable:${error.code}` : 'unexpected';
  if (!(error instanceof RetryableError)) log.error({ err: error }, 'unexpected error in a step (treated as retryable)');
  if (attempts >= ctx.settings.maxAttempts) {
    return fail({ ...item, attempts }, ctx, errorClass, `gave up after ${attempts} attempts: ${message}`);
  }
  const delay = backoffDelay(attempts, ctx.settings.backoffBaseMs, ctx.settings.backoffMaxMs);
  ctx.metrics.retry(item.state);
  log.info({ attempts, retryInMs: delay, error: message }, 'step failed; will retry');
  return ctx.store.transition(item.key, ctx.owner, { attempts, lastError: message, errorClass, notBefore: Date.now() + delay, releaseLease: true });
}

/**
 * What the whole run must do about an error before the failing step's slot is given to the
 * next item: a 429 closes the gate for every item, refused credentials stop the run. Returns
 * the pause in ms for a rate limit. Idempotent, so a batch's shared error may arrive many times.
 */
export function reactAtOnce(error: unknown, attempts: number, ctx: Pick<DriveContext, 'gate' | 'settings' | 'onAuthFailure'>): number {
  if (error instanceof AuthError) ctx.onAuthFailure(error);
  if (!(error instanceof RateLimitedError)) return 0;
  const waitMs = error.retryAfterMs ?? backoffDelay(attempts + 1, ctx.settings.backoffBaseMs, ctx.settings.backoffMaxMs);
  ctx.gate.pauseFor(waitMs);
  return waitMs;
}

function fail(item: ItemRecord, ctx: DriveContext, errorClass: string, message: string): Promise<ItemRecord> {
  return ctx.store.transition(item.key, ctx.owner, {
    state: 'failed',
    attempts: item.attempts,
    lastError: ctx.scrub(message),
    errorClass,
    finishedAt: Date.now(),
  });
}
