// What a re-plan may do to an item, by its state: shared by both ledgers' planners so that
// SQLite and PostgreSQL decide alike (the conformance suite holds them to it).

import { ItemState, TERMINAL_STATES } from './types.ts';

/** Items done with (or not yet started on) their upload: a changed manifest entry may send them round again. */
export const RESETTABLE_STATES: readonly ItemState[] = Object.freeze([...TERMINAL_STATES, ItemState.pending]);

/** Items with no upload started or finished: a rejected manifest row may replace them. */
export const NOT_STARTED_STATES: readonly ItemState[] = Object.freeze([ItemState.pending, ItemState.failed, ItemState.withdrawn]);

/** Items whose upload reached the platform: sending one round again makes a new revision. */
export const UPLOADED_STATES: readonly ItemState[] = Object.freeze([ItemState.done, ItemState.skipped]);

/** The error class of an item whose manifest row was rejected: only a corrected row (a re-plan) fixes it. */
export const REJECTED = 'rejected';

/** Items a complete plan withdraws when their row is gone: never uploaded, not in flight. */
export const WITHDRAWABLE_STATES: readonly ItemState[] = Object.freeze([ItemState.pending, ItemState.failed]);
