// Builds the UPDATE for one persisted transition: only the patched columns change, and only
// while the caller still holds the item's lease (the WHERE clause), so a worker that lost its
// lease can never overwrite another worker's progress.

import { isTerminal, type ItemPatch } from '../types.ts';

type SqlValue = string | number | null;

const COLUMNS: { [K in keyof ItemPatch]-?: [column: string, encode: (value: NonNullable<ItemPatch[K]> | null) => SqlValue] } = {
  state: ['state', (value) => value],
  remote: ['remote', (value) => JSON.stringify(value ?? {})],
  attempts: ['attempts', (value) => value],
  notBefore: ['not_before', (value) => value ?? 0],
  lastError: ['last_error', (value) => value],
  errorClass: ['error_class', (value) => value],
  bytes: ['bytes', (value) => value],
  startedAt: ['started_at', (value) => value],
  finishedAt: ['finished_at', (value) => value],
  releaseLease: ['', () => null],
};

export function transitionSql(patch: ItemPatch, now: number): { sql: string; values: SqlValue[] } {
  const sets: string[] = [];
  const values: SqlValue[] = [];
  for (const [name, value] of Object.entries(patch) as [keyof ItemPatch, unknown][]) {
    if (value === undefined || name === 'releaseLease') continue;
    const [column, encode] = COLUMNS[name] as [string, (value: unknown) => SqlValue];
    sets.push(`${column} = ?`);
    values.push(encode(value));
  }
  sets.push('updated_at = ?');
  values.push(now);
  if (patch.releaseLease || (patch.state !== undefined && isTerminal(patch.state))) sets.push('lease_owner = NULL', 'lease_until = NULL');
  return { sql: `UPDATE items SET ${sets.join(', ')} WHERE key = ? AND lease_owner = ? RETURNING *`, values };
}
