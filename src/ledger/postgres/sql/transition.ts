// One persisted transition: only the patched columns change, and only while the caller still
// holds the item's lease (the WHERE clause), so a worker that lost its lease can never
// overwrite another worker's progress. The statement is named after its shape (which columns,
// whether the lease goes): a run uses a handful of shapes, each prepared once per connection.
//   $1 job id, $2 key, $3 owner, then the patched values

import { createHash } from 'node:crypto';
import { patchAssignments, type SqlValue } from '../../patch.ts';
import type { ItemPatch } from '../../types.ts';
import { DB_NOW_MS } from './clock.ts';
import { statement, type Statement } from './statement.ts';

export function transitionStatement(patch: ItemPatch): { statement: Statement; values: SqlValue[] } {
  const { columns, values, releasesLease } = patchAssignments(patch);
  const sets = columns.map((column, index) => `${column} = $${index + 4}${column === 'remote' ? '::jsonb' : ''}`);
  sets.push(`updated_at = ${DB_NOW_MS}`);
  if (releasesLease) sets.push('lease_owner = NULL', 'lease_until = NULL');
  const text = `UPDATE ferry.items SET ${sets.join(', ')} WHERE job_id = $1 AND key = $2 AND lease_owner = $3 RETURNING *`;
  const shape = createHash('sha1').update(text).digest('hex').slice(0, 16);
  return { statement: statement(`transition_${shape}`, text), values };
}
