// Before a batch call that may not be repeated blindly (a gallery add, a register), each
// member's intent is saved under its lease. With many workers a member may have lost its lease
// since it joined the batch (it expired; another worker holds the item now and may be doing the
// same call): its checkpoint then fails, and it is left out of the call with that error, while
// the members this worker still holds go ahead. A batch therefore never carries an item another
// worker holds.

import type { RemoteState } from '../ledger/types.ts';
import type { BatchMember, BatchOutcome } from './types.ts';

/** Saves `intent(member)` for each of `indexes`; returns those saved, the others get their error in `outcomes`. */
export async function saveIntents(members: readonly BatchMember[], indexes: readonly number[], intent: (member: BatchMember) => RemoteState, outcomes: BatchOutcome[]): Promise<number[]> {
  const saved = await Promise.allSettled(indexes.map((index) => members[index]!.checkpoint(intent(members[index]!))));
  const kept: number[] = [];
  saved.forEach((result, position) => {
    const index = indexes[position]!;
    if (result.status === 'fulfilled') kept.push(index);
    else outcomes[index] = { error: result.reason };
  });
  return kept;
}
