// Writes of one item's patched columns. A transition changes an item only while the caller
// still holds its lease (the WHERE clause), so a worker that lost its lease can never overwrite
// another worker's progress; an amendment (ferry reconcile) only while no live worker holds it.
// Each statement is named after its shape (which columns, whether the lease goes): a run uses a
// handful of shapes, each prepared once per connection.

import { createHash } from 'node:crypto';
import { patchAssignments, type SqlValue } from '../../patch.ts';
import type { ItemPatch } from '../../types.ts';
import { DB_NOW_MS } from './clock.ts';
import { statement, type Statement } from './statement.ts';

/** $1 job id, $2 key, $3 owner, then the patched values. No row back: the lease is lost. */
export function transitionStatement(patch: ItemPatch): { statement: Statement; values: SqlValue[] } {
  return patchStatement('transition', patch, 'lease_owner = $3', 4);
}

/**
 * $1 job id, $2 key, then the patched values; the lease, if any, is given back. No row back:
 * a live worker holds the item (its lease has not expired by the database's clock), or no such key.
 */
export function amendStatement(patch: ItemPatch): { statement: Statement; values: SqlValue[] } {
  return patchStatement('amend', { ...patch, releaseLease: true }, `(lease_owner IS NULL OR lease_until < ${DB_NOW_MS})`, 3);
}

function patchStatement(purpose: string, patch: ItemPatch, guard: string, firstValue: number): { statement: Statement; values: SqlValue[] } {
  const { columns, values, releasesLease } = patchAssignments(patch);
  const sets = columns.map((column, index) => `${column} = $${index + firstValue}${column === 'remote' ? '::jsonb' : ''}`);
  sets.push(`updated_at = ${DB_NOW_MS}`);
  if (releasesLease) sets.push('lease_owner = NULL', 'lease_until = NULL');
  const text = `UPDATE ferry.items SET ${sets.join(', ')} WHERE job_id = $1 AND key = $2 AND ${guard} RETURNING *`;
  const shape = createHash('sha1').update(text).digest('hex').slice(0, 16);
  return { statement: statement(`${purpose}_${shape}`, text), values };
}
