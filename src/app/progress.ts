// Progress while a run is live: one rewritten line on a terminal, periodic log lines otherwise.
// Rate and ETA come from report/rate.ts, as `ferry status` computes them.

import type { Logger } from 'pino';
import type { LedgerStats } from '../ledger/types.ts';
import { estimateRate } from '../report/rate.ts';

export class ProgressReporter {
  readonly #log: Logger;
  readonly #job: string;
  readonly #tty: boolean;
  /** When items started moving: the rate is measured from here until the window is full. */
  readonly #startedAt: number;
  #drewLine = false;

  constructor(log: Logger, job: string, options: { startedAt?: number; tty?: boolean } = {}) {
    this.#log = log;
    this.#job = job;
    this.#startedAt = options.startedAt ?? Date.now();
    this.#tty = options.tty ?? process.stderr.isTTY === true;
  }

  report(stats: LedgerStats, now = Date.now()): void {
    const { finished, ratePerMinute, etaMinutes } = estimateRate(stats, this.#startedAt, now);
    if (this.#tty) {
      const rate = ratePerMinute === null ? '' : `  ${ratePerMinute.toFixed(1)}/min`;
      const eta = etaMinutes === null || etaMinutes === 0 ? '' : `  eta ${etaMinutes < 1 ? '<1' : Math.round(etaMinutes)} min`;
      process.stderr.write(`\r\x1b[K${this.#job}: ${finished}/${stats.total} finished (${stats.counts.failed} failed)${rate}${eta}`);
      this.#drewLine = true;
    } else {
      this.#log.info(
        {
          finished,
          total: stats.total,
          failed: stats.counts.failed,
          ratePerMin: ratePerMinute === null ? null : Number(ratePerMinute.toFixed(1)),
          etaMin: etaMinutes === null ? null : Number(etaMinutes.toFixed(1)),
        },
        'progress',
      );
    }
  }

  end(): void {
    if (this.#drewLine) process.stderr.write('\n');
  }
}
