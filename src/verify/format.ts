// Verify and reconcile output: text for people, CSV for spreadsheets, JSON for scripts. Findings
// stream out as they are found (text and CSV); JSON is one document, written at the end.

import { csvCell } from '../report/report.ts';
import type { Action } from './reconcile.ts';
import type { Finding, VerifySummary } from './verifyJob.ts';

export type OutputFormat = 'text' | 'csv' | 'json';

const CSV_COLUMNS = ['kind', 'key', 'remote_ids', 'detail', 'repair', 'outcome'] as const;

export class FindingWriter {
  readonly #format: OutputFormat;
  readonly #write: (text: string) => void;
  readonly #json: unknown[] = [];
  #headed = false;

  constructor(format: OutputFormat, write: (text: string) => void) {
    this.#format = format;
    this.#write = write;
  }

  finding(finding: Finding, action?: Action): void {
    const repair = action ? action.action : finding.repair.action === 'none' ? finding.repair.why : `${finding.repair.action}: ${finding.repair.why}`;
    if (this.#format === 'json') {
      this.#json.push({ kind: finding.kind, key: finding.key, remoteIds: finding.remoteIds, detail: finding.detail, repair, ...(action ? { outcome: action.outcome, ...(action.error ? { error: action.error } : {}) } : {}) });
      return;
    }
    if (this.#format === 'csv') {
      if (!this.#headed) this.#write(`${CSV_COLUMNS.join(',')}\n`);
      this.#headed = true;
      this.#write(`${[finding.kind, finding.key, finding.remoteIds.join(' '), finding.detail, repair, action?.outcome ?? ''].map(csvCell).join(',')}\n`);
      return;
    }
    const outcome = action ? ` [${action.outcome}${action.error ? `: ${action.error}` : ''}]` : '';
    this.#write(`${finding.kind.padEnd(10)} ${finding.key || '(unlabelled)'}  ${finding.remoteIds.join(', ') || '-'}  ${finding.detail}\n${' '.repeat(11)}→ ${repair}${outcome}\n`);
  }

  end(summary: VerifySummary, reconcile?: { apply: boolean; counts: Record<Action['outcome'], number> }): void {
    if (this.#format === 'json') {
      this.#write(`${JSON.stringify({ ...summary, ...(reconcile ? { reconcile: { apply: reconcile.apply, ...reconcile.counts } } : {}), findings: this.#json }, null, 2)}\n`);
      return;
    }
    if (this.#format === 'csv') {
      if (!this.#headed) this.#write(`${CSV_COLUMNS.join(',')}\n`);
      return;
    }
    const found = Object.entries(summary.findings).map(([kind, count]) => `${kind} ${count}`).join(', ');
    this.#write(`ferry verify: job ${summary.job}: ${summary.itemsInLedger} items in the ledger, ${summary.objectsSeen} objects at the destination; ${summary.clean ? 'clean' : found}\n`);
    if (reconcile) {
      const { applied, planned, skipped, failed } = reconcile.counts;
      this.#write(reconcile.apply ? `ferry reconcile: ${applied} repairs applied, ${failed} failed, ${skipped} reported only\n` : `ferry reconcile: dry run: ${planned} repairs planned, ${skipped} reported only. Apply them with --apply\n`);
    }
  }
}
