// The planning worker: reads and checks the manifest (CSV parsing, row validation, glob walks)
// and sends its entries on in encoded batches while the ledger's thread writes the previous
// ones. On a thread of its own it also gets a heap of its own, with limits: parsing a million
// rows makes garbage fast, and on the main thread V8 let the heap grow past 150 MB for it.

import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../core/errors.ts';
import { PlanBatchBuilder, transferablesOf, type PlanBatch } from '../ledger/planBatch.ts';
import { openManifest, type ManifestSpec } from '../manifest/open.ts';

export interface ReaderSettings {
  spec: ManifestSpec;
  /** Entries per batch, and a cap on a batch's bytes, so huge rows cannot pile up. */
  batchSize: number;
  maxBatchBytes: number;
  /** Batches the reader may send ahead of the ledger; each one written gives one back. */
  window: number;
}

export type ReaderMessage =
  | { kind: 'batch'; batch: PlanBatch }
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

async function send(entries: PlanBatchBuilder): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  const batch = entries.build();
  const message: ReaderMessage = { kind: 'batch', batch };
  port.postMessage(message, transferablesOf(batch));
}

function post(message: ReaderMessage): void {
  port.postMessage(message);
}

try {
  let batch = new PlanBatchBuilder(batchSize);
  for await (const entries of openManifest(spec).batches()) {
    for (const entry of entries) {
      if (entry.kind === 'item') batch.add(entry.item);
      else batch.addRejected(entry.row);
    }
    if (batch.count >= batchSize || batch.byteLength >= maxBatchBytes) {
      await send(batch);
      batch = new PlanBatchBuilder(batchSize);
    }
  }
  if (batch.count > 0) await send(batch);
  post({ kind: 'end' });
} catch (error) {
  post({ kind: 'error', usage: error instanceof UsageError, message: (error as Error).message });
}
