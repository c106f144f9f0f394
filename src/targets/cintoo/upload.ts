// signed → uploaded: the file's bytes go to its signed storage URL.
//   - Up to the block threshold: one streamed Put Blob with Content-MD5 (storage checks it),
//     x-ms-blob-type: BlockBlob and Cache-Control, as Cintoo's tutorial asks.
//   - Above it: Azure blocks (blockUpload.ts), resumable mid-file.
// Before any transfer the file is checked to still be what was hashed, and the URL to have
// life left; a URL storage refuses (403) sends the item back to be signed again, so a dead URL
// never costs more than the request that found it dead.

import type { ItemRecord } from '../../ledger/types.ts';
import type { StepContext, StepResult } from '../types.ts';
import { blockSizeFor } from './blocks.ts';
import { uploadBlocks } from './blockUpload.ts';
import { ensureUnchanged, remoteOf, type CintooRun } from './context.ts';
import { fileFacts, md5Base64 } from './hash.ts';
import { CACHE_CONTROL, classify, storageRequest } from './storage.ts';

/** What to do with a signed item: sign again (URL about to expire), start blocks, or Put Blob. */
export async function uploadSigned(run: CintooRun, item: ItemRecord, ctx: StepContext): Promise<StepResult> {
  const remote = remoteOf(item);
  if (!remote.url || (remote.urlExpiresAt ?? 0) - Date.now() < run.settings.resignMarginMs) {
    ctx.log.info({ expiresAt: remote.urlExpiresAt }, 'the upload URL expires too soon to start a transfer; signing again');
    return { state: 'hashed', remote: { url: null, urlExpiresAt: null } };
  }
  const facts = await fileFacts(item.source);
  ensureUnchanged(item, remote, facts);
  if (run.usesBlocks(facts.size)) {
    // The blocks belong to this blob: a later signing that names another blob starts them over (sign.ts).
    const sameBlob = remote.blockBlob === remote.blobName && remote.blockSize !== undefined;
    return { state: 'uploading', remote: sameBlob ? {} : { blockBlob: remote.blobName ?? null, blockSize: blockSizeFor(facts.size, run.settings.blockSizeBytes), blocks: '' } };
  }
  const answer = await storageRequest(
    'PUT',
    remote.url,
    { 'x-ms-blob-type': 'BlockBlob', 'content-md5': md5Base64(remote.md5!), 'cache-control': CACHE_CONTROL },
    { file: item.source, start: 0, length: facts.size },
    facts.size,
    { stallMs: run.settings.stallTimeoutMs, signal: ctx.signal, bandwidth: run.bandwidth, metrics: run.metrics, scrub: run.scrub },
  );
  classify(answer, 'Put Blob', run.scrub);
  run.metrics.bytesSent('cintoo', facts.size);
  return { state: 'uploaded', remote: { urlRefusals: 0 }, bytes: facts.size };
}

/** uploading → uploaded: the blocks not yet acknowledged, then the block list. */
export async function continueBlocks(run: CintooRun, item: ItemRecord, ctx: StepContext): Promise<StepResult> {
  const remote = remoteOf(item);
  if (!remote.url || (remote.urlExpiresAt ?? 0) <= Date.now()) return { state: 'hashed', remote: { url: null, urlExpiresAt: null } };
  const facts = await fileFacts(item.source);
  ensureUnchanged(item, remote, facts);
  await uploadBlocks(run, item, remote, facts.size, ctx);
  return { state: 'uploaded', remote: { urlRefusals: 0 }, bytes: facts.size };
}
