// The items row both ledger backends store, and its mapping to ItemRecord. The backends differ
// only in how `remote` arrives: JSON text from SQLite, an object from PostgreSQL's jsonb.

import type { ItemRecord, ItemState, RemoteState } from './types.ts';

export interface ItemRow<Remote> {
  key: string;
  source: string;
  /** The manifest's mapped fields as JSON text (both backends). */
  fields: string;
  size: number | null;
  mtime_ms: number | null;
  origin: string;
  state: string;
  remote: Remote;
  revision: number;
  attempts: number;
  /** 0 = claimable now. */
  not_before: number;
  last_error: string | null;
  error_class: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  bytes: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export function itemRecordFrom(row: ItemRow<unknown>, remote: RemoteState): ItemRecord {
  return {
    key: row.key,
    source: row.source,
    fields: JSON.parse(row.fields) as Record<string, string>,
    size: row.size,
    mtimeMs: row.mtime_ms,
    origin: row.origin,
    state: row.state as ItemState,
    remote,
    revision: row.revision,
    attempts: row.attempts,
    notBefore: row.not_before === 0 ? null : row.not_before,
    lastError: row.last_error,
    errorClass: row.error_class,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    bytes: row.bytes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
