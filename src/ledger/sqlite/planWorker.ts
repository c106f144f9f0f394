// The ledger's planning writes, on a worker thread with its own connection to the job's file,
// so SQLite inserts run while the main thread parses the next manifest batch. Batches arrive
// as JSON text (one cheap copy instead of a structured clone of thousands of objects).

import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { RejectedRow } from '../../manifest/types.ts';
import type { ChangePolicy } from '../types.ts';
import { SqlitePlanner } from './plan.ts';
import type { EncodedItem } from './planWriter.ts';

export type PlanRequest =
  | { id: number; kind: 'upsert'; generation: number; policy: ChangePolicy; payload: string }
  | { id: number; kind: 'reject'; generation: number; payload: string };

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
      request.kind === 'upsert'
        ? planner.upsert(request.generation, JSON.parse(request.payload) as EncodedItem[], request.policy, now)
        : planner.reject(request.generation, JSON.parse(request.payload) as RejectedRow[], now);
    db.exec('COMMIT');
    response = { id: request.id, result: result ?? null };
  } catch (error) {
    db.exec('ROLLBACK');
    response = { id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(response);
});
