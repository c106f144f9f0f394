// A cap on the bytes per second a whole run sends (`runner.maxBytesPerSecond`, `ferry run
// --max-rate`), for daytime runs on a shared link. Every upload of the run draws from one
// budget, so ten parallel uploads together stay under the cap, not each of them. Bytes are
// spaced evenly, like the request budget: a slice of n bytes may go out n / rate seconds after
// the previous one, so the link never sees a burst above the cap.

import { sleep } from '../pipeline/backoff.ts';

/** Waits until `bytes` more may be sent. Implementations: local (this file); a fleet-wide one may follow. */
export interface Bandwidth {
  /** Resolves when `bytes` may go out; rejects with the signal's reason when aborted. */
  take(bytes: number, signal?: AbortSignal): Promise<void>;
  /**
   * The largest slice a sender should ask for at once: small enough that one slice never
   * holds a connection silent for long (a silent connection looks stalled).
   */
  readonly sliceBytes: number;
}

export const UNCAPPED: Bandwidth = { take: async () => undefined, sliceBytes: Number.POSITIVE_INFINITY };

export class LocalBandwidth implements Bandwidth {
  readonly sliceBytes: number;
  readonly #bytesPerMs: number;
  #nextAt = 0;

  constructor(bytesPerSecond: number) {
    this.#bytesPerMs = bytesPerSecond / 1000;
    // At most a tenth of a second's worth, at least 1 KiB, at most 256 KiB.
    this.sliceBytes = Math.max(1024, Math.min(256 * 1024, Math.floor(bytesPerSecond / 10)));
  }

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.#nextAt);
    this.#nextAt = at + bytes / this.#bytesPerMs;
    if (at > now) await sleep(at - now, signal);
  }
}

/** The run's cap from its setting: 0 means none. */
export function bandwidth(bytesPerSecond: number): Bandwidth {
  return bytesPerSecond > 0 ? new LocalBandwidth(bytesPerSecond) : UNCAPPED;
}

/**
 * `--max-rate` and friends: bytes per second as a number with an optional unit — `500k`,
 * `20M`, `20MB`, `1.5G`, `100MiB` (k/M/G are powers of 1000; KiB/MiB/GiB of 1024; a trailing
 * `/s` is allowed). Returns undefined for anything else.
 */
export function parseByteRate(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:(k|m|g|t)(i)?b?|b)?\s*(?:\/s|ps)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = match[2]?.toLowerCase();
  const base = match[3] ? 1024 : 1000;
  const power = unit === undefined ? 0 : 'kmgt'.indexOf(unit) + 1;
  const value = Math.round(Number(match[1]) * base ** power);
  return Number.isFinite(value) ? value : undefined;
}
