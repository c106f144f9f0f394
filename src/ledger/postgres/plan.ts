// One plan batch into the PostgreSQL ledger (the statements and why they are shaped so are in
// sql/plan.ts). Its statements go unnamed: each is planned for its own batch, whose arrays'
// lengths the planner then knows, rather than from a generic plan that cannot know them.

import type pg from 'pg';
import type { PlanBatch } from '../planBatch.ts';
import type { ChangePolicy, PlanBatchResult } from '../types.ts';
import { planColumns, type PlanColumns } from './planColumns.ts';
import { PlanAction, planDecide, planReject, planReset, planStamp, planTransaction } from './sql/plan.ts';

export async function planBatchInto(client: pg.ClientBase, jobId: number, generation: number, batch: PlanBatch, policy: ChangePolicy): Promise<PlanBatchResult> {
  const counts: PlanBatchResult = { added: 0, changed: 0, unchanged: 0, duplicates: 0, rejected: 0, duplicateSightings: [] };
  if (batch.count === 0) return counts;
  const columns = planColumns(batch);
  const duplicates: number[] = [];
  await client.query(planTransaction(jobId));
  try {
    const decided = await client.query<{ actions: string | null; unstamped: number[] }>(planDecide.text, [
      jobId,
      generation,
      policy === 'reupload',
      columns.keys,
      columns.sources,
      columns.fields,
      columns.sizes,
      columns.mtimes,
      columns.origins,
      columns.reasons,
    ]);
    const actions = decided.rows[0]!.actions ?? '';
    // Stamped already, by the row versions the decision read; a few may have moved on since.
    const stamp = decided.rows[0]!.unstamped.map((index) => columns.keys[index]!);
    const reset: number[] = [];
    const reject: number[] = [];
    for (let index = 0; index < actions.length; index++) {
      switch (actions[index] as PlanAction) {
        case PlanAction.add:
          counts.added++;
          break;
        case PlanAction.duplicate:
          duplicates.push(index);
          break;
        case PlanAction.rejectNew:
          counts.rejected++;
          break;
        case PlanAction.reject:
          counts.rejected++;
          reject.push(index);
          break;
        case PlanAction.keepRejected:
          counts.rejected++;
          break;
        case PlanAction.reset:
          counts.changed++;
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
      const values = [jobId, generation, pick(columns.keys, reset), pick(columns.sources, reset), pick(columns.fields, reset), pick(columns.sizes, reset), pick(columns.mtimes, reset), pick(columns.origins, reset)];
      stamp.push(...notReturned(columns, reset, await client.query<{ key: string }>(planReset.text, values)));
    }
    if (reject.length > 0) {
      const values = [jobId, generation, pick(columns.keys, reject), pick(columns.origins, reject), pick(columns.reasons, reject)];
      stamp.push(...notReturned(columns, reject, await client.query<{ key: string }>(planReject.text, values)));
    }
    if (stamp.length > 0) await client.query(planStamp.text, [jobId, generation, stamp]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  // Sightings in manifest order: keys seen in an earlier batch, and repeats within this one.
  const sightings = [...duplicates.map((index) => ({ key: columns.keys[index]!, origin: columns.origins[index]!, position: columns.positions[index]! })), ...columns.repeats].sort(
    (a, b) => a.position - b.position,
  );
  counts.duplicateSightings = sightings.map(({ key, origin }) => ({ key, origin }));
  counts.duplicates = sightings.length;
  return counts;
}

function pick<T>(values: T[], indexes: number[]): T[] {
  return indexes.map((index) => values[index]!);
}

/** Keys a guarded write left alone: a worker moved the item on meanwhile, so it stays as it now is. */
function notReturned(columns: PlanColumns, indexes: number[], result: pg.QueryResult<{ key: string }>): string[] {
  if (result.rows.length === indexes.length) return [];
  const written = new Set(result.rows.map((row) => row.key));
  return indexes.map((index) => columns.keys[index]!).filter((key) => !written.has(key));
}
