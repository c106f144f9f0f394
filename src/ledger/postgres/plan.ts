// One plan batch into the PostgreSQL ledger (the statements and why they are shaped so are in
// sql/plan.ts), in one transaction, a slice of a few hundred keys per statement: whatever size
// the planner's batches take (up to 8 MB of rows), a statement's parameters stay small and only
// the slice being written is decoded onto the heap. Measured at a million rows, slices of 500
// plan as fast as whole batches of 5,000. The statements go unnamed: each is planned for its own
// arrays, whose lengths the planner then knows, rather than from a generic plan that cannot.

import type pg from 'pg';
import { repeatConflict, type StandingRow } from '../duplicates.ts';
import type { PlanBatch } from '../planBatch.ts';
import type { ChangePolicy, PlanBatchResult } from '../types.ts';
import { PlanSlicer, sightingAt, type PlanColumns, type Sighting } from './planColumns.ts';
import { PlanAction, planDecide, planReject, planReset, planStamp, planStanding, planTransaction } from './sql/plan.ts';

const SLICE = 500;

interface PlanContext {
  client: pg.ClientBase;
  jobId: number;
  generation: number;
  policy: ChangePolicy;
  counts: PlanBatchResult;
  /** Keys seen earlier in this plan generation, found by the ledger. */
  seenBefore: Sighting[];
}

export async function planBatchInto(client: pg.ClientBase, jobId: number, generation: number, batch: PlanBatch, policy: ChangePolicy): Promise<PlanBatchResult> {
  const counts: PlanBatchResult = { added: 0, changed: 0, unchanged: 0, duplicates: 0, conflicts: 0, rejected: 0, returned: 0, withdrawn: 0, duplicateSightings: [] };
  if (batch.count === 0) return counts;
  const context: PlanContext = { client, jobId, generation, policy, counts, seenBefore: [] };
  const slicer = new PlanSlicer(batch, SLICE);
  await client.query(planTransaction(jobId));
  try {
    for (let slice = slicer.next(); slice; slice = slicer.next()) await planSlice(context, slice);
    // Sightings in manifest order: keys seen in an earlier batch, and repeats within this one.
    const sightings = [...context.seenBefore, ...slicer.repeats].sort((a, b) => a.position - b.position);
    if (sightings.length > 0) await nameConflicts(context, sightings);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return counts;
}

/**
 * Reports each repeat, with how it differs from the row that stands. Read once the batch is
 * written: the first sighting's write decided that row, and nothing in this plan changes it after.
 */
async function nameConflicts(context: PlanContext, sightings: Sighting[]): Promise<void> {
  const { client, jobId, counts } = context;
  const keys = [...new Set(sightings.map((sighting) => sighting.key))];
  const standing = new Map((await client.query<StandingRow & { key: string }>(planStanding.text, [jobId, keys])).rows.map((row) => [row.key, row]));
  for (const sighting of sightings) {
    const row = standing.get(sighting.key);
    const conflict = row ? repeatConflict(row, sighting) : undefined;
    if (conflict) counts.conflicts++;
    counts.duplicateSightings.push({ key: sighting.key, origin: sighting.origin, ...(conflict ? { conflict } : {}) });
  }
  counts.duplicates = sightings.length;
}

/** Decides and writes one slice of first sightings. */
async function planSlice(context: PlanContext, slice: PlanColumns): Promise<void> {
  const { client, jobId, generation, counts } = context;
  const decided = await client.query<{ actions: string | null; unstamped: number[] }>(planDecide.text, [
    jobId,
    generation,
    context.policy === 'reupload',
    slice.keys,
    slice.sources,
    slice.fields,
    slice.sizes,
    slice.mtimes,
    slice.origins,
    slice.reasons,
  ]);
  const actions = decided.rows[0]!.actions ?? '';
  // Stamped already, by the row versions the decision read; a few may have moved on since.
  const stamp = decided.rows[0]!.unstamped;
  const reset: number[] = [];
  const reject: number[] = [];
  for (let index = 0; index < actions.length; index++) {
    switch (actions[index] as PlanAction) {
      case PlanAction.add:
        counts.added++;
        break;
      case PlanAction.duplicate:
        context.seenBefore.push(sightingAt(slice, index));
        break;
      case PlanAction.rejectNew:
      case PlanAction.keepRejected:
        counts.rejected++;
        break;
      case PlanAction.reject:
        counts.rejected++;
        reject.push(index);
        break;
      case PlanAction.reset:
        counts.changed++;
        reset.push(index);
        break;
      case PlanAction.returned:
        counts.returned++;
        reset.push(index);
        break;
      case PlanAction.keepChanged:
        counts.changed++;
        break;
      case PlanAction.unchanged:
        counts.unchanged++;
        break;
      default:
        throw new Error(`plan: unknown action "${actions[index]}"`);
    }
  }
  if (reset.length > 0) {
    const values = [jobId, generation, pick(slice.keys, reset), pick(slice.sources, reset), pick(slice.fields, reset), pick(slice.sizes, reset), pick(slice.mtimes, reset), pick(slice.origins, reset)];
    stamp.push(...notReturned(slice, reset, await client.query<{ key: string }>(planReset.text, values)));
  }
  if (reject.length > 0) {
    const values = [jobId, generation, pick(slice.keys, reject), pick(slice.sources, reject), pick(slice.origins, reject), pick(slice.reasons, reject)];
    stamp.push(...notReturned(slice, reject, await client.query<{ key: string }>(planReject.text, values)));
  }
  if (stamp.length > 0) await client.query(planStamp.text, [jobId, generation, pick(slice.keys, stamp), pick(slice.origins, stamp)]);
}

function pick<T>(values: T[], indexes: number[]): T[] {
  return indexes.map((index) => values[index]!);
}

/** Entries a guarded write left alone: a worker moved the item on meanwhile, so it stays as it now is. */
function notReturned(slice: PlanColumns, indexes: number[], result: pg.QueryResult<{ key: string }>): number[] {
  if (result.rows.length === indexes.length) return [];
  const written = new Set(result.rows.map((row) => row.key));
  return indexes.filter((index) => !written.has(slice.keys[index]!));
}
