// The planning worker: reads and checks the manifest (CSV parsing, row validation, glob walks)
// and sends its entries on in encoded batches while the ledger's thread writes the previous
// ones. On a thread of its own it also gets a heap of its own, with limits: parsing a million
// rows makes garbage fast, and on the main thread V8 let the heap grow past 150 MB for it.

import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../core/errors.ts';
import { PlanBatchBuilder, transferablesOf, type PlanBatch } from '../ledger/planBatch.ts';
import { openManifest, type ManifestSpec } from '../manifest/open.ts';
import type { RejectedRow } from '../manifest/types.ts';

export interface ReaderSettings {
  spec: ManifestSpec;
  /** Entries per batch, and a cap on a batch's bytes, so huge rows cannot pile up. */
  batchSize: number;
  maxBatchBytes: number;
  /** Batches the reader may send ahead of the ledger; each one written gives one back. */
  window: number;
}

export type ReaderMessage =
  | { kind: 'batch'; items: PlanBatch | null; rejected: RejectedRow[] }
  | { kind: 'end' }
  | { kind: 'error'; usage: boolean; message: string };

const { spec, batchSize, maxBatchBytes, window } = workerData as ReaderSettings;
const port = parentPort!;
let credits = window;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

async function send(items: PlanBatchBuilder, rejected: RejectedRow[]): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  const batch = items.count > 0 ? items.build() : null;
  const message: ReaderMessage = { kind: 'batch', items: batch, rejected };
  port.postMessage(message, batch ? transferablesOf(batch) : []);
}

function post(message: ReaderMessage): void {
  port.postMessage(message);
}

try {
  let items = new PlanBatchBuilder(batchSize);
  let rejected: RejectedRow[] = [];
  for await (const entries of openManifest(spec).batches()) {
    for (const entry of entries) {
      if (entry.kind === 'item') items.add(entry.item);
      else rejected.push(entry.row);
    }
    if (items.count + rejected.length >= batchSize || items.byteLength >= maxBatchBytes) {
      await send(items, rejected);
      items = new PlanBatchBuilder(batchSize);
      rejected = [];
    }
  }
  if (items.count + rejected.length > 0) await send(items, rejected);
  post({ kind: 'end' });
} catch (error) {
  post({ kind: 'error', usage: error instanceof UsageError, message: (error as Error).message });
}
