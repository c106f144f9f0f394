// Mapping between PostgreSQL rows and ItemRecord. bigint columns arrive as numbers (pool.ts)
// and remote as an object (jsonb); fields is the manifest's JSON text.

import type { ItemRecord, ItemState, RemoteState } from '../types.ts';

export interface PgItemRow {
  job_id: number;
  key: string;
  source: string;
  fields: string;
  size: number | null;
  mtime_ms: number | null;
  origin: string;
  state: string;
  remote: RemoteState;
  revision: number;
  attempts: number;
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

export function toRecord(row: PgItemRow): ItemRecord {
  return {
    key: row.key,
    source: row.source,
    fields: JSON.parse(row.fields) as Record<string, string>,
    size: row.size,
    mtimeMs: row.mtime_ms,
    origin: row.origin,
    state: row.state as ItemState,
    remote: row.remote,
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
