// The Cincopa target: both upload paths as persisted steps, following the idempotency protocol
// of the API notes. Every asset gets the reference id `ferry:<job>:<key>`; before uploading,
// ferry looks it up, so neither a re-run nor a lost ledger makes a second asset.
//
//   from URL:  pending → submitted(status_id) → fetched(rid) → described → placed → done
//   direct:    pending → uploading(offset) → uploaded(rid) → described → placed → done
//   either:    pending → described (found by reference id) → placed → skipped

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AuthError, PermanentError, RetryableError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { SecretRegistry } from '../../log/redact.ts';
import type { StepContext, StepResult, Target } from '../types.ts';
import { CincopaClient } from './client.ts';
import { uploadChunks, UploadUrlRejected } from './directUpload.ts';
import { findByReference, findGalleriesByName, findOrphans } from './lookup.ts';
import { readUploadStatus } from './responses.ts';

export interface CincopaTargetOptions {
  apiUrl: string;
  apiToken: string;
  mode: 'from_url' | 'direct';
  jobName: string;
  gallery?: { fid?: string; name?: string; createIfMissing?: boolean };
  pollIntervalMs?: number;
  processingTimeoutMs?: number;
  chunkSizeBytes?: number;
  requestTimeoutMs?: number;
  /** How long to watch for the asset of a submission whose answer was lost before submitting again. */
  submitGraceMs?: number;
  secrets: SecretRegistry;
  log: Logger;
}

/** What the Cincopa target can do (its registration declares the same object). */
export const CINCOPA_CAPABILITIES = { resumableUpload: true, idempotencyLookup: true, batchSteps: false } as const;

export function createCincopaTarget(options: CincopaTargetOptions): Target {
  return new CincopaTarget(options);
}

class CincopaTarget implements Target {
  readonly type = 'cincopa';
  readonly capabilities = CINCOPA_CAPABILITIES;
  readonly #options: CincopaTargetOptions;
  readonly #client: CincopaClient;
  readonly #scrub: (text: string) => string;
  #fid: string | undefined;

  constructor(options: CincopaTargetOptions) {
    this.#options = options;
    this.#scrub = (text) => options.secrets.scrub(text);
    this.#client = new CincopaClient({ apiUrl: options.apiUrl, apiToken: options.apiToken, requestTimeoutMs: options.requestTimeoutMs ?? 30_000, scrub: this.#scrub });
  }

  async prepare(signal: AbortSignal): Promise<void> {
    await this.#ping(signal);
    const gallery = this.#options.gallery;
    if (!gallery) return;
    if (gallery.fid) {
      await this.#client.call('gallery.get_items', { fid: gallery.fid, items_per_page: 1 }, signal);
      this.#fid = gallery.fid;
      return;
    }
    const name = gallery.name!;
    const found = await findGalleriesByName(this.#client, name, signal);
    if (found.length > 1) this.#options.log.warn({ gallery: name, fids: found.map((entry) => entry.fid) }, 'several galleries have this name; using the first');
    if (found[0]) {
      this.#fid = found[0].fid;
    } else if (gallery.createIfMissing !== false) {
      const created = await this.#client.call<{ fid: string }>('gallery.create', { name }, signal);
      this.#fid = created.fid;
      this.#options.log.info({ gallery: name, fid: created.fid }, 'created the gallery');
    } else {
      throw new PermanentError('cincopa:gallery-missing', `cincopa: no gallery is named "${name}" and target.gallery.createIfMissing is false`);
    }
  }

  async check(signal: AbortSignal): Promise<string[]> {
    const account = await this.#ping(signal);
    const findings = [`cincopa token accepted (account ${account})`];
    const gallery = this.#options.gallery;
    if (gallery?.fid) {
      await this.#client.call('gallery.get_items', { fid: gallery.fid, items_per_page: 1 }, signal);
      findings.push(`gallery ${gallery.fid} exists`);
    } else if (gallery?.name) {
      const found = await findGalleriesByName(this.#client, gallery.name, signal);
      if (found[0]) findings.push(`gallery "${gallery.name}" exists (${found[0].fid})`);
      else if (gallery.createIfMissing !== false) findings.push(`gallery "${gallery.name}" does not exist yet; the run will create it`);
      else throw new PermanentError('cincopa:gallery-missing', `cincopa: no gallery is named "${gallery.name}" and createIfMissing is false`);
    }
    return findings;
  }

  async #ping(signal: AbortSignal): Promise<string> {
    try {
      const body = await this.#client.call<{ accid?: string }>('ping', {}, signal);
      return String(body.accid ?? 'unknown');
    } catch (error) {
      if (error instanceof AuthError) throw new AuthError(error.code, `Cincopa refused the API token (${error.message})`, { cause: error });
      throw error;
    }
  }

  async step(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    switch (item.state) {
      case 'pending':
        return (await this.#findExisting(item, ctx)) ?? (this.#options.mode === 'from_url' ? this.#submit(item, ctx) : this.#startDirect(item, ctx));
      case 'submitted':
        return this.#poll(item, ctx);
      case 'uploading':
        return this.#continueDirect(item, ctx);
      case 'fetched':
      case 'uploaded':
        return this.#describe(item, ctx);
      case 'described':
        return this.#place(item, ctx);
      case 'placed':
        return { state: item.remote.preexisting ? 'skipped' : 'done' };
      default:
        throw new PermanentError('cincopa:state', `cincopa: an item in state ${item.state} has no Cincopa step`);
    }
  }

  /** The reference id that makes an item findable at Cincopa; a re-upload of changed content gets its own. */
  referenceId(item: ItemRecord): string {
    return `ferry:${this.#options.jobName}:${item.key}${item.revision > 0 ? `#r${item.revision}` : ''}`;
  }

  /** Idempotency: an asset with this item's reference id means the upload already happened. */
  async #findExisting(item: ItemRecord, ctx: StepContext): Promise<StepResult | undefined> {
    const existing = await findByReference(this.#client, this.referenceId(item), ctx.signal);
    if (existing.length > 0) {
      if (existing.length > 1) ctx.log.warn({ rids: existing.map((asset) => asset.rid) }, 'several assets carry this reference id; using the first');
      return { state: 'described', remote: { rid: existing[0]!.rid, preexisting: true } };
    }
    // A submission whose answer was lost (crash right after Cincopa accepted it) leaves an
    // asset without reference id: adopt it instead of uploading a twin.
    if (item.remote.submitIntentAt) {
      const orphans = await findOrphans(this.#client, sourceFileName(item.source), ctx.signal);
      if (orphans[0]) {
        ctx.log.info({ rid: orphans[0].rid }, 'adopting the asset of an interrupted submission');
        return { state: 'fetched', remote: { rid: orphans[0].rid, adopted: true } };
      }
    }
    return undefined;
  }

  async #submit(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    if (!/^https?:\/\//i.test(item.source)) {
      throw new PermanentError('cincopa:source', `cincopa from_url needs an http(s) URL, but the source is a local path (${item.source}). Fix: use target.mode "direct" for local files`);
    }
    // An earlier submission whose answer was lost may still be fetching: its asset appears
    // only when the fetch is done. Watch for it (findExisting adopts it) for a grace period
    // rather than submitting a twin at once.
    const intentAt = Number(item.remote.submitIntentAt ?? 0);
    if (intentAt > 0 && Date.now() - intentAt < (this.#options.submitGraceMs ?? 5 * 60 * 1000)) {
      return { state: 'pending', againAfterMs: this.#options.pollIntervalMs ?? 2_000 };
    }
    // Saved before the call: if the answer is lost (ferry killed, connection cut after Cincopa
    // accepted), the next attempt knows a submission may exist.
    const { submitIntentAt: _previous, ...remote } = item.remote;
    await ctx.checkpoint({ ...remote, submitIntentAt: Date.now() });
    let body: { status_id?: string };
    try {
      body = await this.#client.call<{ status_id?: string }>('asset.upload_from_url', { input: item.source }, ctx.signal);
    } catch (error) {
      // An answer came back (429, 4xx, 5xx): Cincopa did not take the job, so nothing to wait for.
      const ambiguous = ctx.signal.aborted || (error instanceof RetryableError && error.code.startsWith('network:'));
      if (!ambiguous) await ctx.checkpoint(remote);
      throw error;
    }
    if (!body.status_id) throw new PermanentError('cincopa:no-status-id', 'cincopa asset.upload_from_url answered without a status_id');
    return { state: 'submitted', remote: { statusId: body.status_id, submittedAt: Date.now() } };
  }

  async #poll(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    const statusId = String(item.remote.statusId);
    const body = await this.#client.call('asset.upload_from_url_get_status', { status_id: statusId }, ctx.signal);
    const status = readUploadStatus(body);
    if (status.state === 'done' && status.rid) return { state: 'fetched', remote: { rid: status.rid }, bytes: status.size ?? status.bytes ?? undefined };
    if (status.state === 'failed') throw new PermanentError('cincopa:fetch-failed', `cincopa could not fetch the source: ${status.message || 'no reason given'}`);
    const waited = Date.now() - Number(item.remote.submittedAt ?? Date.now());
    if (waited > (this.#options.processingTimeoutMs ?? 2 * 60 * 60 * 1000)) {
      await this.#client.call('asset.upload_from_url_abort', { status_id: statusId }, ctx.signal).catch(() => undefined);
      throw new PermanentError('cincopa:processing-timeout', `cincopa was still fetching/processing after ${Math.round(waited / 1000)} s; aborted`);
    }
    return { state: 'submitted', remote: { progress: status.progressPercent }, againAfterMs: this.#options.pollIntervalMs ?? 2_000 };
  }

  async #startDirect(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    if (/^https?:\/\//i.test(item.source)) {
      throw new PermanentError('cincopa:source', `cincopa direct upload needs a local file, but the source is a URL. Fix: use target.mode "from_url" for URLs`);
    }
    const body = await this.#client.call<{ upload_url?: string }>('asset.get_upload_url', {}, ctx.signal);
    if (!body.upload_url) throw new PermanentError('cincopa:no-upload-url', 'cincopa asset.get_upload_url answered without an upload_url');
    // unique-id is persisted with the upload URL, so every chunk and every resume sends the same one.
    const uniqueId = createHash('sha1').update(`${this.referenceId(item)}:${Date.now()}`).digest('hex').slice(0, 24);
    return { state: 'uploading', remote: { uploadUrl: body.upload_url, uniqueId, offset: 0 } };
  }

  async #continueDirect(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    let info;
    try {
      info = await stat(item.source);
    } catch (error) {
      throw new PermanentError('cincopa:source-missing', `the source file cannot be read: ${(error as Error).message}`);
    }
    if (item.size !== null && info.size !== item.size) {
      throw new PermanentError('cincopa:source-changed', `the file changed size since planning (${item.size} → ${info.size} bytes). Fix: run again to re-plan it`);
    }
    let remote = { ...item.remote };
    try {
      const rid = await uploadChunks({
        uploadUrl: String(remote.uploadUrl),
        file: item.source,
        fileName: path.basename(item.source),
        size: info.size,
        uniqueId: String(remote.uniqueId),
        offset: Number(remote.offset ?? 0),
        chunkSize: this.#options.chunkSizeBytes ?? 50 * 1024 * 1024,
        timeoutMs: Math.max(this.#options.requestTimeoutMs ?? 30_000, 120_000),
        signal: ctx.signal,
        scrub: this.#scrub,
        onChunk: async (offset) => {
          remote = { ...remote, offset };
          await ctx.checkpoint(remote, offset);
        },
      });
      return { state: 'uploaded', remote: { ...remote, rid, offset: info.size }, bytes: info.size };
    } catch (error) {
      if (!(error instanceof UploadUrlRejected)) throw error;
      // The upload URL expired: a new one starts a new upload session from the beginning.
      ctx.log.info('upload URL expired; starting over with a new one');
      return this.#startDirect(item, ctx);
    }
  }

  async #describe(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    const fields = item.fields;
    await this.#client.call(
      'asset.set_meta',
      {
        rid: String(item.remote.rid),
        reference_id: this.referenceId(item),
        caption: fields.title || sourceFileName(item.source).replace(/\.[^.]+$/, ''),
        description: fields.description || undefined,
        tags: fields.tags || undefined,
      },
      ctx.signal,
    );
    return { state: 'described' };
  }

  async #place(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    if (this.#fid) await this.#client.call('gallery.add_item', { fid: this.#fid, rid: String(item.remote.rid) }, ctx.signal);
    return { state: 'placed', remote: this.#fid ? { fid: this.#fid } : {} };
  }
}

function sourceFileName(source: string): string {
  if (/^https?:\/\//i.test(source)) return decodeURIComponent(path.posix.basename(new URL(source).pathname)) || 'download';
  return path.basename(source);
}
