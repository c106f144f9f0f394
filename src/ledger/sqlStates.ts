// State names inside SQL text, always derived from the one constant (types.ts), so a state can
// never be spelled one way in TypeScript and another in a query or an index predicate.

import { ITEM_STATES, type ItemState } from './types.ts';

/** `'done', 'skipped', 'failed'`: a list for `IN (...)`, from the constant's names only. */
export function sqlStates(states: readonly ItemState[]): string {
  if (states.length === 0) throw new Error('sqlStates: an empty state list makes no SQL list');
  return states.map(sqlState).join(', ');
}

/** One state as a SQL string literal. */
export function sqlState(state: ItemState): string {
  // Only names the constant holds reach SQL; they are plain words, so quoting cannot be escaped.
  if (!ITEM_STATES.includes(state) || !/^[a-z_]+$/.test(state)) throw new Error(`sqlState: "${state}" is not an item state`);
  return `'${state}'`;
}
