// PostgreSQL's items rows: bigint columns arrive as numbers (pool.ts), remote as an object
// (jsonb), and every row carries its job's id.

import { itemRecordFrom, type ItemRow } from '../itemRow.ts';
import type { ItemRecord, RemoteState } from '../types.ts';

export interface PgItemRow extends ItemRow<RemoteState> {
  job_id: number;
}

export function toRecord(row: PgItemRow): ItemRecord {
  return itemRecordFrom(row, row.remote);
}
