// The ledger's planning writes, on a worker thread with its own connection to the job's file,
// so SQLite inserts run while the main thread parses the next manifest batch.

import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { RejectedRow } from '../../manifest/types.ts';
import type { ChangePolicy } from '../types.ts';
import { SqlitePlanner } from './plan.ts';
import type { EncodedBatch } from './planCodec.ts';

export type PlanRequest =
  | { id: number; kind: 'upsert'; generation: number; policy: ChangePolicy; batch: EncodedBatch }
  | { id: number; kind: 'reject'; generation: number; rows: RejectedRow[] };

export type PlanResponse = { id: number; result: unknown } | { id: number; error: string };

const { file, synchronous } = workerData as { file: string; synchronous: 'NORMAL' | 'FULL' };
const db = new DatabaseSync(file, { timeout: 30_000 });
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
const planner = new SqlitePlanner(db);

parentPort!.on('message', (request: PlanRequest) => {
  let response: PlanResponse;
  db.exec('BEGIN IMMEDIATE');
  try {
    const now = Date.now();
    const result =
      request.kind === 'upsert' ? planner.upsert(request.generation, request.batch, request.policy, now) : planner.reject(request.generation, request.rows, now);
    db.exec('COMMIT');
    response = { id: request.id, result: result ?? null };
  } catch (error) {
    db.exec('ROLLBACK');
    response = { id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(response);
});
