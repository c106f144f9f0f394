// `ferry report`: one row per item, streamed from the ledger. The CSV's first two columns are
// `key` and `source`, so a failed-only report is itself a manifest for a follow-up job.

import { once } from 'node:events';
import type { ItemRecord, LedgerStore } from '../ledger/types.ts';

export interface ReportOptions {
  format: 'csv' | 'json';
  onlyFailed?: boolean;
  /** The platform's id for an item (its target registration knows where it is kept). */
  remoteId(remote: ItemRecord['remote']): string | null;
}

const COLUMNS = ['key', 'source', 'state', 'remote_id', 'attempts', 'error', 'bytes', 'started_at', 'finished_at', 'duration_ms', 'origin'] as const;
type ReportRow = Record<(typeof COLUMNS)[number], string | number | null>;

/** Writes the report; JSON is one object per line (JSON Lines). Returns the number of rows. */
export async function writeReport(store: LedgerStore, out: NodeJS.WritableStream, options: ReportOptions): Promise<number> {
  let rows = 0;
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (options.format === 'csv') await write(`${COLUMNS.join(',')}\n`);
  for await (const item of store.iterate(options.onlyFailed ? { states: ['failed'] } : {})) {
    const row = toRow(item, options.remoteId);
    await write(options.format === 'csv' ? `${COLUMNS.map((column) => csvCell(row[column])).join(',')}\n` : `${JSON.stringify(row)}\n`);
    rows++;
  }
  return rows;
}

export function toRow(item: ItemRecord, remoteIdOf: ReportOptions['remoteId']): ReportRow {
  const remoteId = remoteIdOf(item.remote);
  return {
    key: item.key,
    source: item.source,
    state: item.state,
    remote_id: typeof remoteId === 'string' ? remoteId : null,
    attempts: item.attempts,
    error: item.lastError,
    bytes: item.bytes,
    started_at: item.startedAt === null ? null : new Date(item.startedAt).toISOString(),
    finished_at: item.finishedAt === null ? null : new Date(item.finishedAt).toISOString(),
    duration_ms: item.startedAt !== null && item.finishedAt !== null ? item.finishedAt - item.startedAt : null,
    origin: item.origin,
  };
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
