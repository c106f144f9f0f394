// Progress while a run is live: one rewritten line on a terminal, periodic log lines otherwise.

import type { Logger } from 'pino';
import type { LedgerStats } from '../ledger/types.ts';

export class ProgressReporter {
  readonly #log: Logger;
  readonly #job: string;
  readonly #tty = process.stderr.isTTY === true;
  #drewLine = false;

  constructor(log: Logger, job: string) {
    this.#log = log;
    this.#job = job;
  }

  report(stats: LedgerStats): void {
    const finished = stats.counts.done + stats.counts.skipped + stats.counts.failed;
    const ratePerMin = stats.windowMs > 0 ? (stats.recentlyFinished * 60_000) / stats.windowMs : 0;
    const remaining = stats.total - finished;
    const etaMin = ratePerMin > 0 ? remaining / ratePerMin : null;
    if (this.#tty) {
      const eta = etaMin === null ? '' : `  eta ${etaMin < 1 ? '<1' : Math.round(etaMin)} min`;
      process.stderr.write(`\r\x1b[K${this.#job}: ${finished}/${stats.total} finished (${stats.counts.failed} failed)  ${ratePerMin.toFixed(1)}/min${eta}`);
      this.#drewLine = true;
    } else {
      this.#log.info({ finished, total: stats.total, failed: stats.counts.failed, ratePerMin: Number(ratePerMin.toFixed(1)), etaMin: etaMin === null ? null : Number(etaMin.toFixed(1)) }, 'progress');
    }
  }

  end(): void {
    if (this.#drewLine) process.stderr.write('\n');
  }
}
