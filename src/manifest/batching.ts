// Manifests travel in batches: at a million rows, an await per row (an async generator's yield,
// an async iterator's next) cost more than a third of what parsing the CSV did.

import type { Readable } from 'node:stream';
import type { ManifestEntry, ManifestSource } from './types.ts';

/** An object stream's values, a buffered run at a time: one await per run instead of per value. */
export async function* readInRuns<T>(stream: Readable): AsyncGenerator<T[]> {
  for (;;) {
    const run: T[] = [];
    for (let value = stream.read() as T | null; value !== null; value = stream.read() as T | null) run.push(value);
    if (run.length > 0) {
      yield run;
      continue;
    }
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded) return;
    if (stream.destroyed) throw new Error('the stream was closed before its end');
    await nextEvent(stream);
  }
}

/** Resolves at the stream's next 'readable', 'end' or 'close'; rejects on 'error'. */
function nextEvent(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('readable', onEvent).off('end', onEvent).off('close', onEvent).off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const onEvent = (): void => settle();
    stream.on('readable', onEvent).on('end', onEvent).on('close', onEvent).on('error', settle);
  });
}

/** Groups single values into arrays of up to `size`. */
export async function* inBatches<T>(values: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const value of values) {
    batch.push(value);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A manifest's entries one by one, for callers that need no speed (validate, tests). */
export async function* eachEntry(source: ManifestSource, signal?: AbortSignal): AsyncGenerator<ManifestEntry> {
  for await (const batch of source.batches(signal)) yield* batch;
}
