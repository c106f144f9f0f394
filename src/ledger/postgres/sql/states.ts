// State conditions of the PostgreSQL ledger's queries, from the one constant. UNFINISHED is the
// claim index's predicate word for word: PostgreSQL uses a partial index only for queries whose
// conditions imply its predicate.

import { sqlState, sqlStates } from '../../sqlStates.ts';
import { ItemState, TERMINAL_STATES } from '../../types.ts';

export const UNFINISHED = `state NOT IN (${sqlStates(TERMINAL_STATES)})`;
export const PENDING = sqlState(ItemState.pending);
export const FAILED = sqlState(ItemState.failed);
