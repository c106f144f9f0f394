// The runner claims batches of items from the ledger and drives each through its target with
// a concurrency-limited queue. Backpressure by waiting: it claims only when the queue has room,
// so a million pending items never sit in memory. Shutdown is two-stage: `drain()` stops
// claiming and lets in-flight steps finish; `abort()` cancels them. Either way every item's
// last persisted state is intact and its lease released.

import { hostname } from 'node:os';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { AuthError } from '../core/errors.ts';
import type { RunnerSettings } from '../config/schema.ts';
import type { ItemRecord, LedgerStats, LedgerStore } from '../ledger/types.ts';
import { NO_RUNNER_METRICS, type RunnerMetrics } from '../metrics/types.ts';
import type { BatchOutcome, Target } from '../targets/types.ts';
import { driveItem, reactAtOnce, RELEASE, stopping, type DriveContext } from './driveItem.ts';
import { PauseGate } from './pauseGate.ts';
import { StepBatcher } from './stepBatcher.ts';

export interface RunnerOptions {
  store: LedgerStore;
  target: Target;
  settings: RunnerSettings;
  log: Logger;
  scrub(text: string): string;
  /** Called every settings.progressIntervalMs with fresh ledger stats. */
  onProgress?(stats: LedgerStats): void;
  /** Retries, rate-limit pauses and the live load are reported here (default: not at all). */
  metrics?: RunnerMetrics;
  /** Told the length of every rate-limit pause this run starts or extends (a fleet shares it with the other workers). */
  onPause?(ms: number): void;
}

export interface RunOutcome {
  stats: LedgerStats;
  /** Stopped by drain()/abort() before every item was finished. */
  interrupted: boolean;
  /** The platform refused the credentials; the run stopped. */
  authFailure: AuthError | undefined;
  durationMs: number;
}

/** The longest the claim loop sleeps before looking at the ledger again. */
const MAX_IDLE_MS = 1_000;

export class Runner {
  readonly owner = `${hostname()}:${process.pid}:${Date.now().toString(36)}`;
  readonly #options: RunnerOptions;
  readonly #abort = new AbortController();
  #draining = false;
  #authFailure: AuthError | undefined;
  #wake: (() => void) | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  /** Stop claiming; in-flight steps finish and are saved. Idempotent. */
  drain(): void {
    this.#draining = true;
    this.#wake?.();
  }

  /** Look at the ledger again now (items were made claimable from outside). */
  wake(): void {
    this.#wake?.();
  }

  /** Cancel in-flight steps as well. Idempotent. */
  abort(reason = 'aborted'): void {
    this.#draining = true;
    if (!this.#abort.signal.aborted) this.#abort.abort(new Error(reason));
    this.#wake?.();
  }

  async run(): Promise<RunOutcome> {
    const { store, target, settings, log } = this.#options;
    const metrics = this.#options.metrics ?? NO_RUNNER_METRICS;
    const started = Date.now();
    // The queue bounds the steps talking to the platform at once; items between steps (waiting
    // for a batch, persisting a transition) hold no slot.
    const queue = new PQueue({ concurrency: settings.concurrency });
    const gate = new PauseGate((pauseStarted, addedMs) => {
      metrics.paused(pauseStarted, addedMs);
      this.#options.onPause?.(gate.pausedUntil - Date.now());
    });
    const heartbeat = setInterval(() => {
      store.renewLeases(this.owner, settings.leaseMs).catch((error: unknown) => log.error({ err: error }, 'lease heartbeat failed'));
    }, Math.max(1_000, Math.floor(settings.leaseMs / 3)));
    const progress = setInterval(() => void this.#reportProgress(), settings.progressIntervalMs);
    const slot = <T>(work: () => Promise<T>): Promise<T> => queue.add(work) as Promise<T>;
    const batcher =
      target.capabilities.batchSteps && target.batching && target.stepBatch
        ? new StepBatcher(target.batching, (state, members) =>
            slot(async () => {
              // A batch that gathered while the run began to stop is given back unstepped.
              if (stopping(driveContext)) return members.map(() => ({ error: RELEASE }));
              await gate.wait(this.#abort.signal);
              let outcomes: BatchOutcome[];
              try {
                outcomes = await target.stepBatch!(members, { log: log.child({ state, batch: members.length }), signal: this.#abort.signal });
              } catch (error) {
                outcomes = members.map(() => ({ error }));
              }
              outcomes.forEach((outcome, index) => 'error' in outcome && reactAtOnce(outcome.error, members[index]!.item.attempts, driveContext));
              return outcomes;
            }),
            // An item that starts waiting may be the last one that could join: the claim loop looks.
            () => this.#wake?.(),
          )
        : undefined;
    const driveContext: DriveContext = {
      store,
      target,
      settings,
      owner: this.owner,
      gate,
      log,
      slot,
      batcher,
      abortSignal: this.#abort.signal,
      isDraining: () => this.#draining,
      scrub: this.#options.scrub,
      metrics,
      onAuthFailure: (error: AuthError) => {
        if (!this.#authFailure) log.error({ err: error }, 'the platform refused the credentials; stopping the run');
        this.#authFailure ??= error;
        this.abort('authentication failed');
      },
    };
    const inFlight = new Set<Promise<void>>();
    const unobserve = metrics.observeLoad(() => ({ queued: queue.size, active: queue.pending, inFlight: inFlight.size }));
    try {
      await this.#claimLoop(inFlight, batcher, (item) => {
        const driving: Promise<void> = driveItem(item, driveContext)
          .catch((error: unknown) => log.error({ err: error, item: item.key }, 'item driver crashed'))
          .finally(() => {
            inFlight.delete(driving);
            this.#wake?.();
          });
        inFlight.add(driving);
      });
      batcher?.flushAll();
      while (inFlight.size > 0) {
        await Promise.race(inFlight);
        batcher?.flushAll();
      }
    } finally {
      unobserve();
      clearInterval(heartbeat);
      clearInterval(progress);
      try {
        await store.releaseLeases(this.owner);
      } finally {
        await target.close?.();
      }
    }
    const stats = await store.stats();
    return { stats, interrupted: this.#draining && !this.#authFailure, authFailure: this.#authFailure, durationMs: Date.now() - started };
  }

  async #claimLoop(inFlight: Set<Promise<void>>, batcher: StepBatcher | undefined, drive: (item: ItemRecord) => void): Promise<void> {
    const { store, settings } = this.#options;
    // Keep about two items per slot so a slot never waits on the ledger, plus room for a full
    // batch to gather.
    const high = settings.concurrency * 2 + (batcher?.largestBatch ?? 0);
    // Claim in bulk: one transaction for half a concurrency's worth of items or more, not one
    // per finished item, while at least 1.5 items per slot stay in flight. Items claimed and not
    // yet started are leased to this runner like the rest, so the heartbeat renews them too.
    const bulk = Math.max(1, Math.ceil(settings.concurrency / 2));
    while (!this.#draining) {
      const room = high - inFlight.size;
      if (room >= Math.min(bulk, high)) {
        const claimed = await store.claim(this.owner, room, settings.leaseMs);
        for (const item of claimed) drive(item);
        if (claimed.length === room) continue;
      }
      // Nothing else can join a batch that every item in flight is waiting for: send it now.
      if (batcher && batcher.waiting > 0 && batcher.waiting >= inFlight.size) batcher.flushAll();
      if (inFlight.size === 0) {
        const wakeAt = await store.nextWakeAt();
        if (wakeAt === null) return; // every item is finished
        await this.#idle(Math.min(MAX_IDLE_MS, Math.max(10, wakeAt - Date.now())));
      } else {
        await this.#idle(MAX_IDLE_MS);
      }
    }
  }

  /** Sleep until `ms` pass or the queue frees a slot (or a drain/abort). */
  async #idle(ms: number): Promise<void> {
    // One timer, cleared when woken: the loop wakes once per finished item, and a timer left
    // running each time would keep thousands alive (and their closures out of the young heap).
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.#wake = undefined;
  }

  async #reportProgress(): Promise<void> {
    try {
      const stats = await this.#options.store.stats();
      this.#options.onProgress?.(stats);
    } catch (error) {
      this.#options.log.warn({ err: error }, 'could not read progress');
    }
  }
}
