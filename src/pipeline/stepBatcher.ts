// Collects items whose next step batches (a target's `batching` policy) and hands them to the
// target together: up to `maxItems` per call, or whatever arrived within `lingerMs` of a
// batch's first item. Items wait here without holding a queue slot, so a batch can be larger
// than the run's concurrency; the call itself takes one slot.

import type { ItemState } from '../ledger/types.ts';
import type { BatchMember, BatchOutcome, BatchPolicy } from '../targets/types.ts';

interface Pending {
  member: BatchMember;
  resolve(outcome: BatchOutcome): void;
}

export class StepBatcher {
  readonly #policy: BatchPolicy;
  readonly #execute: (state: ItemState, members: BatchMember[]) => Promise<BatchOutcome[]>;
  readonly #open = new Map<ItemState, { pending: Pending[]; timer: NodeJS.Timeout }>();
  readonly #onWait: () => void;

  /**
   * `onWait` is told each time an item starts waiting: when every item in flight waits, no
   * other can join, and the owner flushes (`flushAll`) instead of letting the batch linger.
   */
  constructor(policy: BatchPolicy, execute: (state: ItemState, members: BatchMember[]) => Promise<BatchOutcome[]>, onWait: () => void = () => {}) {
    this.#policy = policy;
    this.#execute = execute;
    this.#onWait = onWait;
  }

  /** The largest batch of any state (0 when nothing batches). */
  get largestBatch(): number {
    return Math.max(0, ...Object.values(this.#policy.maxItems).map((size) => size ?? 0));
  }

  batches(state: ItemState): boolean {
    return (this.#policy.maxItems[state] ?? 0) > 1;
  }

  /** Resolves with this member's outcome once its batch has run. */
  submit(state: ItemState, member: BatchMember): Promise<BatchOutcome> {
    return new Promise((resolve) => {
      let batch = this.#open.get(state);
      if (!batch) {
        batch = { pending: [], timer: setTimeout(() => this.#flush(state), this.#policy.lingerMs) };
        this.#open.set(state, batch);
      }
      batch.pending.push({ member, resolve });
      if (batch.pending.length >= (this.#policy.maxItems[state] ?? 1)) this.#flush(state);
      else this.#onWait();
    });
  }

  /** Send every open batch now (a drain, or no other item can join them). */
  flushAll(): void {
    for (const state of [...this.#open.keys()]) this.#flush(state);
  }

  /** Items waiting for their batch to go. */
  get waiting(): number {
    let count = 0;
    for (const batch of this.#open.values()) count += batch.pending.length;
    return count;
  }

  #flush(state: ItemState): void {
    const batch = this.#open.get(state);
    if (!batch) return;
    this.#open.delete(state);
    clearTimeout(batch.timer);
    const members = batch.pending.map((entry) => entry.member);
    this.#execute(state, members).then(
      (outcomes) => batch.pending.forEach((entry, index) => entry.resolve(outcomes[index] ?? { error: new Error(`the target returned no outcome for batch member ${index}`) })),
      (error: unknown) => batch.pending.forEach((entry) => entry.resolve({ error })),
    );
  }
}
