// Path B: ferry uploads a local file in chunks to an upload URL (asset.get_upload_url).
//   pending → uploading(upload URL, unique-id, offset) → uploaded(rid)
// The offset is persisted after every acknowledged chunk. A refused chunk finishes that upload
// URL: the file starts over with a new one, a bounded number of times.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import { UNCAPPED } from '../bandwidth.ts';
import type { RequestBudget } from '../requestBudget.ts';
import type { StepContext, StepResult } from '../types.ts';
import { remoteOf, type CincopaRun } from './context.ts';
import { newUniqueId, uploadChunks, UploadUrlRejected } from './directUpload.ts';
import { findOrphans } from './lookup.ts';

/** New upload URLs one file may use after refusals before it fails. */
export const MAX_URL_RESTARTS = 3;

export async function startDirect(run: CincopaRun, item: ItemRecord, ctx: StepContext, restarts = 0): Promise<StepResult> {
  if (/^https?:\/\//i.test(item.source)) {
    throw new PermanentError('cincopa:source', 'cincopa direct upload needs a local file, but the source is a URL. Fix: use target.mode "from_url" for URLs');
  }
  const body = await run.client.call<{ upload_url?: string }>('asset.get_upload_url', {}, ctx.signal);
  if (!body.upload_url) throw new PermanentError('cincopa:no-upload-url', 'cincopa asset.get_upload_url answered without an upload_url');
  // unique-id is persisted with the upload URL, so every chunk and every resume sends the same one.
  return { state: 'uploading', remote: { uploadUrl: body.upload_url, uniqueId: newUniqueId(), offset: 0, urlRestarts: restarts, finalChunkAt: null } };
}

export async function continueDirect(run: CincopaRun, budget: RequestBudget, item: ItemRecord, ctx: StepContext): Promise<StepResult> {
  let info;
  try {
    info = await stat(item.source);
  } catch (error) {
    throw new PermanentError('cincopa:source-missing', `the source file cannot be read: ${(error as Error).message}`);
  }
  if (item.size !== null && info.size !== item.size) {
    throw new PermanentError('cincopa:source-changed', `the file changed size since planning (${item.size} → ${info.size} bytes). Fix: run again to re-plan it`);
  }
  const start = remoteOf(item);
  let remote = { ...item.remote };
  const fileName = path.basename(item.source);
  try {
    const rid = await uploadChunks({
      uploadUrl: String(start.uploadUrl),
      file: item.source,
      fileName,
      size: info.size,
      uniqueId: String(start.uniqueId),
      offset: start.offset ?? 0,
      chunkSize: run.settings.chunkSizeBytes,
      timeoutMs: Math.max(run.settings.requestTimeoutMs, 120_000),
      signal: ctx.signal,
      budget,
      bandwidth: run.settings.bandwidth ?? UNCAPPED,
      metrics: run.metrics,
      scrub: run.scrub,
      onChunk: async (offset) => {
        remote = { ...remote, offset };
        await ctx.checkpoint(remote, offset);
      },
      beforeFinalChunk: async () => {
        if (remote.finalChunkAt) return;
        remote = { ...remote, finalChunkAt: Date.now() };
        await ctx.checkpoint(remote);
      },
    });
    return { state: 'uploaded', remote: { ...remote, rid, offset: info.size }, bytes: info.size };
  } catch (error) {
    if (!(error instanceof UploadUrlRejected)) throw error;
    // A refused last chunk after an answer was lost may mean the file is already an asset.
    if (remote.finalChunkAt) {
      const twin = await findUploadedTwin(run, fileName, info.size, Number(remote.finalChunkAt), ctx);
      if (twin) return { state: 'uploaded', remote: { ...remote, rid: twin, adopted: true, offset: info.size }, bytes: info.size };
    }
    const restarts = (start.urlRestarts ?? 0) + 1;
    if (restarts > MAX_URL_RESTARTS) {
      throw new PermanentError('cincopa:upload-refused', `cincopa's upload endpoint refused this file with ${restarts} upload URLs; last answer: ${error.message}`);
    }
    ctx.log.info({ restarts, reason: error.message }, 'the upload URL was refused; starting the file over with a new one');
    return startDirect(run, item, ctx, restarts);
  }
}

/**
 * The asset a last chunk made when its answer never arrived: an unlabelled asset with this
 * file's name and size, made after that chunk was sent, and no other item of the job with a
 * file of this name. Anything less certain is left for reconciliation.
 */
async function findUploadedTwin(run: CincopaRun, fileName: string, size: number, sentAt: number, ctx: StepContext): Promise<string | undefined> {
  const candidates = (await findOrphans(run.client, fileName, ctx.signal, ctx.log)).filter((asset) => {
    const when = Date.parse(asset.uploaded ?? asset.modified ?? '');
    const sizeOk = asset.filesize === undefined || Number(asset.filesize) === size;
    return sizeOk && (Number.isNaN(when) || when >= sentAt - 60_000);
  });
  if (candidates.length === 1 && (await ctx.peers.countWithSourceName(fileName)) === 0) {
    ctx.log.info({ rid: candidates[0]!.rid }, 'adopting the asset the lost last chunk made');
    return candidates[0]!.rid;
  }
  if (candidates.length > 0) ctx.log.warn({ fileName, candidates: candidates.map((asset) => asset.rid) }, 'the lost last chunk may have made one of these unlabelled assets; not adopting any (ferry verify lists them)');
  return undefined;
}

