// A big file as Azure blocks: deterministic block ids, several blocks in flight (buffers from
// the run's pool), a Content-MD5 per block, then Put Block List with the whole file's MD5 as
// x-ms-blob-content-md5 (which Cintoo's register checks). Every acknowledged block is added to
// the item's own record in the ledger, so a crash, a kill or a cut connection resumes with the
// blocks storage has not acknowledged — never from zero. Storage's own Get Block List is asked
// only when the URL's permissions allow reading (Cintoo's URLs may be write-only); it adds
// blocks that were acknowledged just before a crash could record them.
//
// A block that meets a passing failure (reset, 5xx, stall) is sent again a few times within the
// step, so one flaky block among thousands does not cost the item an attempt.

import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import { sleep } from '../../pipeline/backoff.ts';
import type { StepContext } from '../types.ts';
import { blockCount, blockId, blockIndexOf, blockListXml, BlockSet, parseBlockList } from './blocks.ts';
import type { CintooRun } from './context.ts';
import { md5Base64 } from './hash.ts';
import type { CintooRemote } from './remote.ts';
import { CACHE_CONTROL, classify, sasPermissions, storageRequest, StorageUrlRefused, type TransferOptions } from './storage.ts';

/** Sends of one block within a step before its failure ends the step. */
const BLOCK_TRIES = 4;

export async function uploadBlocks(run: CintooRun, item: ItemRecord, remote: CintooRemote, size: number, ctx: StepContext): Promise<void> {
  const url = remote.url!;
  const blockSize = remote.blockSize!;
  const count = blockCount(size, blockSize);
  const acked = BlockSet.parse(remote.blocks);
  const transfer: TransferOptions = { stallMs: run.settings.stallTimeoutMs, signal: ctx.signal, bandwidth: run.bandwidth, metrics: run.metrics, scrub: run.scrub };
  const sizeOf = (index: number): number => Math.min(blockSize, size - index * blockSize);
  const ackedBytes = (): number => {
    let bytes = 0;
    for (let index = 0; index < count; index++) if (acked.has(index)) bytes += sizeOf(index);
    return bytes;
  };
  const record = new Recorder(async () => ctx.checkpoint({ ...remoteWith(item, remote), blocks: acked.toString() }, ackedBytes()));

  if (acked.size < count && sasPermissions(url)?.includes('r')) await addStoredBlocks(url, acked, sizeOf, count, transfer, ctx);
  const missing: number[] = [];
  for (let index = 0; index < count; index++) if (!acked.has(index)) missing.push(index);
  if (acked.size > 0) ctx.log.info({ acknowledged: acked.size, missing: missing.length, blocks: count }, 'resuming the block upload');

  const file = await open(item.source, 'r').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new PermanentError('cintoo:source-vanished', `the file ${item.source} vanished during its upload`) : new RetryableError('cintoo:source-read', `cannot open ${item.source}: ${error.message}`);
  });
  let failure: unknown;
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < missing.length) {
        const index = missing[next++]!;
        try {
          await sendBlock(run, file, url, index, index * blockSize, sizeOf(index), transfer);
          acked.add(index);
          await record.save();
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(run.settings.blocksInFlight, missing.length) }, worker));
  } finally {
    await file.close();
    await record.flush();
  }
  if (failure !== undefined) throw failure;

  const list = Buffer.from(blockListXml(count));
  try {
    const answer = await storageRequest('PUT', `${url}&comp=blocklist`, { 'content-type': 'application/xml', 'x-ms-blob-content-md5': md5Base64(remote.md5!), 'x-ms-blob-cache-control': CACHE_CONTROL }, list, list.length, transfer);
    classify(answer, 'Put Block List', run.scrub);
  } catch (error) {
    // Storage no longer holds blocks the record names (expired after 7 days uncommitted, or
    // another blob): the record is wrong, so it starts over, once more.
    if (error instanceof PermanentError && /InvalidBlockList/i.test(error.code)) {
      await ctx.checkpoint({ ...remoteWith(item, remote), blocks: '' }, 0);
      throw new RetryableError('cintoo:storage:blocks-lost', 'storage does not hold all the blocks ferry recorded (uncommitted blocks expire after 7 days); the file is sent again from its start');
    }
    throw error;
  }
}

/** The item's remote as the step last saw it (the checkpoint writes the whole object). */
function remoteWith(item: ItemRecord, remote: CintooRemote): Record<string, string | number | boolean | null | string[]> {
  return { ...item.remote, ...(remote as Record<string, string | number | boolean | null | string[]>) };
}

/** One block: read into a pooled buffer, hashed, sent; passing failures are tried again a few times. */
async function sendBlock(run: CintooRun, file: FileHandle, url: string, index: number, offset: number, length: number, transfer: TransferOptions): Promise<void> {
  const lease = await run.pool.acquire(length, transfer.signal);
  try {
    const data = lease.buffer.subarray(0, length);
    const { bytesRead } = await file.read(data, 0, length, offset);
    if (bytesRead !== length) throw new PermanentError('cintoo:source-changed', `the file is shorter than when it was hashed (block ${index} has ${bytesRead} of ${length} bytes)`);
    const md5 = createHash('md5').update(data).digest('base64');
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await storageRequest('PUT', `${url}&comp=block&blockid=${encodeURIComponent(blockId(index))}`, { 'content-md5': md5 }, data, length, transfer);
        classify(answer, `Put Block ${index}`, run.scrub);
        run.metrics.bytesSent('cintoo', length);
        return;
      } catch (error) {
        if (transfer.signal.aborted || error instanceof StorageUrlRefused || error instanceof RateLimitedError || !(error instanceof RetryableError) || attempt >= BLOCK_TRIES) throw error;
        run.log.debug({ block: index, attempt, error: error.message }, 'block failed; sending it again');
        await sleep(250 * 2 ** attempt, transfer.signal);
      }
    }
  } finally {
    lease.release();
  }
}

/** Blocks storage holds with the right size, added to the record (only where the URL may read). */
async function addStoredBlocks(url: string, acked: BlockSet, sizeOf: (index: number) => number, count: number, transfer: TransferOptions, ctx: StepContext): Promise<void> {
  try {
    const answer = await storageRequest('GET', `${url}&comp=blocklist&blocklisttype=all`, {}, undefined, 0, transfer);
    if (answer.status !== 200) return;
    let added = 0;
    for (const block of parseBlockList(answer.body)) {
      const index = blockIndexOf(block.id);
      if (index === undefined || index >= count || acked.has(index) || block.size !== sizeOf(index)) continue;
      acked.add(index);
      added++;
    }
    if (added > 0) ctx.log.info({ added }, "storage's block list holds blocks the record lacked");
  } catch (error) {
    if (transfer.signal.aborted) throw error;
    // Only a help: without it the unrecorded blocks are sent again.
  }
}

/**
 * Saves the record after acknowledgements without a write per block piling up: while one save
 * runs, later ones merge into a single next save.
 */
class Recorder {
  readonly #write: () => Promise<void>;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(write: () => Promise<void>) {
    this.#write = write;
  }

  save(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    this.#queued = this.#running.then(
      () => {
        this.#queued = undefined;
        return this.#start();
      },
      () => {
        this.#queued = undefined;
        return this.#start();
      },
    );
    return this.#queued;
  }

  async flush(): Promise<void> {
    await (this.#queued ?? this.#running)?.catch(() => undefined);
  }

  #start(): Promise<void> {
    const running = this.#write().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }
}
