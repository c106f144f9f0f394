// The run's block buffers: at most `slots` blocks are in memory (being read, hashed or sent) at
// once across every file of the run, which is what bounds a run's memory to block size ×
// blocks in flight, however many big files upload together. Buffers are reused, so a 10 GB
// upload does not churn the garbage collector with thousands of 8 MiB allocations.

export interface BlockLease {
  /** At least the size asked for; use `subarray(0, size)`. */
  buffer: Buffer;
  release(): void;
}

export class BlockPool {
  readonly #blockSize: number;
  readonly #free: Buffer[] = [];
  readonly #waiting: (() => void)[] = [];
  #available: number;

  constructor(blockSize: number, slots: number) {
    this.#blockSize = blockSize;
    this.#available = slots;
  }

  /** A buffer of at least `size` bytes; waits while every slot is leased. */
  async acquire(size: number, signal: AbortSignal): Promise<BlockLease> {
    while (this.#available === 0) await this.#wait(signal);
    this.#available--;
    // A file with more than 50,000 blocks uses bigger ones: those are not pooled.
    const pooled = size <= this.#blockSize;
    const buffer = pooled ? (this.#free.pop() ?? Buffer.allocUnsafe(this.#blockSize)) : Buffer.allocUnsafe(size);
    let released = false;
    return {
      buffer,
      release: () => {
        if (released) return;
        released = true;
        if (pooled) this.#free.push(buffer);
        this.#available++;
        this.#waiting.shift()?.();
      },
    };
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(wake);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal.reason);
      };
      this.#waiting.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
