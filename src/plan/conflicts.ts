// Words for a conflicting repeat of a key, as `ferry validate` lists it.

import type { DuplicateConflict } from '../ledger/types.ts';

export function describeConflict(key: string, origin: string, conflict: DuplicateConflict): string {
  const fields = conflict.differs.filter((name) => name !== 'rejected');
  const how = [fields.length > 0 ? `with another ${fields.join(' and ')}` : '', conflict.differs.includes('rejected') ? 'as a rejected row' : ''].filter(Boolean).join(', ');
  return `${origin}: key ${JSON.stringify(key)} repeats ${conflict.standing} ${how}; ${conflict.standing} stands, this row is ignored`;
}
