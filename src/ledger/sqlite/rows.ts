// SQLite's items rows: remote is JSON text.

import { itemRecordFrom, type ItemRow as AnyItemRow } from '../itemRow.ts';
import type { ItemRecord, RemoteState } from '../types.ts';

export type ItemRow = AnyItemRow<string>;

export function toRecord(row: ItemRow): ItemRecord {
  return itemRecordFrom(row, JSON.parse(row.remote) as RemoteState);
}
