// Main-thread side of the planning worker: sends batches, resolves each with its result, in
// order. Closing it ends the worker.

import { Worker } from 'node:worker_threads';
import type { PlanRequest, PlanResponse } from './planWorker.ts';

type Pending = { resolve(value: unknown): void; reject(error: Error): void };
type Request = PlanRequest extends infer R ? (R extends PlanRequest ? Omit<R, 'id'> : never) : never;

export class PlanWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | undefined;

  constructor(file: string, synchronous: 'NORMAL' | 'FULL') {
    // A small young generation keeps the worker's memory flat; its garbage is short-lived.
    this.#worker = new Worker(new URL('./planWorker.ts', import.meta.url), { workerData: { file, synchronous }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.#worker.on('message', (response: PlanResponse) => {
      const pending = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      if ('error' in response) pending?.reject(new Error(response.error));
      else pending?.resolve(response.result);
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      if (code !== 0) this.#fail(new Error(`the ledger's planning worker stopped (exit ${code})`));
    });
    this.#worker.unref();
  }

  /** `transfer`: buffers handed to the worker instead of copied. */
  send(request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...request, id }, transfer);
    }).finally(() => {
      if (this.#pending.size === 0) this.#worker.unref();
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
