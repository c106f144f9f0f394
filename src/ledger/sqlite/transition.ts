// Builds the UPDATE for one persisted transition: only the patched columns change, and only
// while the caller still holds the item's lease (the WHERE clause), so a worker that lost its
// lease can never overwrite another worker's progress.

import { patchAssignments, type SqlValue } from '../patch.ts';
import type { ItemPatch } from '../types.ts';

export function transitionSql(patch: ItemPatch, now: number): { sql: string; values: SqlValue[] } {
  const { columns, values, releasesLease } = patchAssignments(patch);
  const sets = columns.map((column) => `${column} = ?`);
  sets.push('updated_at = ?');
  if (releasesLease) sets.push('lease_owner = NULL', 'lease_until = NULL');
  return { sql: `UPDATE items SET ${sets.join(', ')} WHERE key = ? AND lease_owner = ? RETURNING *`, values: [...values, now] };
}
