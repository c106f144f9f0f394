// When a platform pushes back (429 with Retry-After) the whole target pauses, not just the one
// item that saw it: the other in-flight items would only hit the same wall and burn attempts.

import { sleep } from './backoff.ts';

export class PauseGate {
  #until = 0;
  readonly #onPause: ((started: boolean, addedMs: number) => void) | undefined;

  /** `onPause`: told each time the gate closes (`started`) or its pause grows (by `addedMs`), for the metrics. */
  constructor(onPause?: (started: boolean, addedMs: number) => void) {
    this.#onPause = onPause;
  }

  /** Close the gate for at least `ms` from now (a later pause never shortens an earlier one). */
  pauseFor(ms: number, now = Date.now()): void {
    const wasOpen = this.#until <= now;
    const opensAt = Math.max(this.#until, now);
    this.#until = Math.max(this.#until, now + ms);
    if (this.#until > opensAt) this.#onPause?.(wasOpen, this.#until - opensAt);
  }

  get pausedUntil(): number {
    return this.#until;
  }

  /** Wait until the gate is open. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (let remaining = this.#until - Date.now(); remaining > 0; remaining = this.#until - Date.now()) {
      await sleep(remaining, signal);
    }
  }
}
