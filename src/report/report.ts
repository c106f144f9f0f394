// `ferry report`: one row per item, streamed from the ledger. The CSV's first two columns are
// `key` and `source`, so a failed-only report is itself a manifest for a follow-up job.
//
// Every text cell, in both formats, goes through the secret scrubber: a signed source URL's
// query string is a credential (the ledger keeps it, readable by its owner only, because resume
// needs it; a report is made to be passed around). CSV cells are also made safe to open in a
// spreadsheet, reversibly (manifest/reportDialect.ts explains how the manifest reader undoes it).

import { once } from 'node:events';
import type { ItemRecord, LedgerStore } from '../ledger/types.ts';
import { scrubText } from '../log/redact.ts';
import { protectCell, REPORT_COLUMNS } from '../manifest/reportDialect.ts';

export interface ReportOptions {
  format: 'csv' | 'json';
  onlyFailed?: boolean;
  /** The platform's id for an item (its target registration knows where it is kept). */
  remoteId(remote: ItemRecord['remote']): string | null;
}

type ReportRow = Record<(typeof REPORT_COLUMNS)[number], string | number | null>;

/** Writes the report; JSON is one object per line (JSON Lines). Returns the number of rows. */
export async function writeReport(store: LedgerStore, out: NodeJS.WritableStream, options: ReportOptions): Promise<number> {
  let rows = 0;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (options.format === 'csv') await write(`${REPORT_COLUMNS.join(',')}\n`);
  for await (const item of store.iterate(options.onlyFailed ? { states: ['failed'] } : {})) {
    const row = toRow(item, options.remoteId);
    await write(options.format === 'csv' ? `${REPORT_COLUMNS.map((column) => csvCell(row[column])).join(',')}\n` : `${JSON.stringify(row)}\n`);
    rows++;
  }
  return rows;
}

export function toRow(item: ItemRecord, remoteIdOf: ReportOptions['remoteId']): ReportRow {
  const remoteId = remoteIdOf(item.remote);
  const text = (value: string | null): string | null => (value === null ? null : scrubText(value));
  return {
    key: text(item.key),
    source: text(item.source),
    state: item.state,
    remote_id: typeof remoteId === 'string' ? text(remoteId) : null,
    attempts: item.attempts,
    error: text(item.lastError),
    bytes: item.bytes,
    started_at: item.startedAt === null ? null : new Date(item.startedAt).toISOString(),
    finished_at: item.finishedAt === null ? null : new Date(item.finishedAt).toISOString(),
    duration_ms: item.startedAt !== null && item.finishedAt !== null ? item.finishedAt - item.startedAt : null,
    origin: text(item.origin),
  };
}

/** One CSV cell, quoted as needed and safe to open in a spreadsheet (no formula can start it). */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  // Numbers are ferry's own counts and times; only text can carry a formula.
  const text = typeof value === 'number' ? String(value) : protectCell(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
