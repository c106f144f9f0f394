// The Cincopa target: both upload paths as persisted steps, following the idempotency protocol
// of the API notes. Every asset gets the reference id `ferry:<job>:<key>;` (referenceId.ts);
// before uploading, ferry looks it up, so neither a re-run nor a lost ledger makes a second asset.
//
//   from URL:  pending → submitted(status_id) → fetched(rid) → described → placed → done
//   direct:    pending → uploading(offset) → uploaded(rid) → described → placed → done
//   either:    pending → described (found by reference id) → placed → skipped

import type { Logger } from 'pino';
import { AuthError, PermanentError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { SecretRegistry } from '../../log/redact.ts';
import { NO_TARGET_METRICS, type TargetMetrics } from '../../metrics/types.ts';
import { UNLIMITED, type RequestBudget } from '../requestBudget.ts';
import type { BatchMember, BatchOutcome, RunHooks, StepContext, StepResult, Target } from '../types.ts';
import { CincopaClient } from './client.ts';
import { CincopaRun, remoteOf, sourceFileName, type CincopaSettings } from './context.ts';
import { continueDirect, startDirect } from './direct.ts';
import { adoptOrphan, poll, submit } from './fromUrl.ts';
import { findByReference, findGalleriesByName } from './lookup.ts';
import { describe } from './metadata.ts';
import { GalleryPlacement } from './placement.ts';
import { CincopaVerifier } from './verifier.ts';
import type { PollSchedule } from './pollSchedule.ts';
import { legacyReferenceId } from './referenceId.ts';
import { WebhookReceiver, type WebhookSettings } from './webhooks.ts';

export interface CincopaTargetOptions extends CincopaSettings {
  apiUrl: string;
  apiToken: string;
  gallery?: { fid?: string; name?: string; createIfMissing?: boolean };
  /** gallery.add_item rids per call. */
  galleryBatchSize: number;
  budget?: RequestBudget;
  /** Runs `work` alone across a fleet of workers (gallery lookup-or-create); absent: one process, no need. */
  exclusive?: <T>(key: string, work: () => Promise<T>) => Promise<T>;
  /** Complete fetches from webhook deliveries (polling then only as a slow fallback). */
  webhook?: WebhookSettings;
  secrets: SecretRegistry;
  log: Logger;
  /** Requests and upload bytes are reported here (default: not at all). */
  metrics?: TargetMetrics;
}

/** What the Cincopa target can do (its registration declares the same object). */
export const CINCOPA_CAPABILITIES = { resumableUpload: true, idempotencyLookup: true, batchSteps: true, verify: true } as const;

/** Polling when webhooks report completion: only to catch a delivery that never came. */
const WEBHOOK_FALLBACK_POLL: PollSchedule = { firstMs: 30_000, maxMs: 5 * 60_000, factor: 2, jitter: 0.1 };

export function createCincopaTarget(options: CincopaTargetOptions): Target {
  return new CincopaTarget(options);
}

class CincopaTarget implements Target {
  readonly type = 'cincopa';
  readonly capabilities = CINCOPA_CAPABILITIES;
  readonly batching;
  readonly #options: CincopaTargetOptions;
  readonly #run: CincopaRun;
  readonly #budget: RequestBudget;
  #placement: GalleryPlacement | undefined;
  #webhooks: WebhookReceiver | undefined;
  /** Items waiting on a fetch, by the file name their asset will have: whom a delivery may concern. */
  readonly #fetching = new Map<string, Set<string>>();

  constructor(options: CincopaTargetOptions) {
    this.#options = options;
    this.#budget = options.budget ?? UNLIMITED;
    const scrub = (text: string): string => options.secrets.scrub(text);
    const metrics = options.metrics ?? NO_TARGET_METRICS;
    const client = new CincopaClient({ apiUrl: options.apiUrl, apiToken: options.apiToken, requestTimeoutMs: options.requestTimeoutMs, scrub, budget: this.#budget, metrics });
    // With webhooks, deliveries end the waits; polls are a slow fallback for lost deliveries.
    const settings = options.webhook ? { ...options, poll: WEBHOOK_FALLBACK_POLL } : options;
    this.#run = new CincopaRun(client, settings, options.log, scrub, metrics);
    // Gallery adds are what batch; without a gallery an item is placed at once, unbatched.
    this.batching = { maxItems: { described: options.gallery ? options.galleryBatchSize : 1 }, lingerMs: 200 };
  }

  async prepare(signal: AbortSignal, hooks?: RunHooks): Promise<void> {
    await this.#ping(signal);
    const gallery = this.#options.gallery;
    if (gallery) {
      // Workers starting together must not each create the gallery: one looks up and creates
      // while the others wait, then find it.
      const resolve = (): Promise<string | undefined> => this.#resolveGallery(gallery, signal, true);
      const exclusive = this.#options.exclusive;
      const fid = exclusive && !gallery.fid ? await exclusive(`cincopa gallery ${this.#options.apiUrl} ${gallery.name!}`, resolve) : await resolve();
      this.#placement = new GalleryPlacement(this.#run, fid!);
    }
    if (this.#options.webhook && hooks && !this.#webhooks) {
      this.#webhooks = new WebhookReceiver(this.#options.webhook, this.#run.client, this.#options.log, (delivery) => {
        const keys = delivery.filename ? this.#fetching.get(delivery.filename) : undefined;
        if (keys && keys.size > 0) hooks.expedite([...keys]);
      });
      await this.#webhooks.start(signal);
      // Fetches an earlier run left waiting: their deliveries may come now.
      for await (const item of hooks.itemsIn('submitted')) this.#track(item, { state: 'submitted' });
    }
  }

  async close(): Promise<void> {
    await this.#webhooks?.stop();
    this.#webhooks = undefined;
    this.#run.client.close();
  }

  /** Keep #fetching in step with the items that wait on a fetch. */
  #track(item: ItemRecord, result: StepResult): StepResult {
    const name = sourceFileName(item.source);
    let keys = this.#fetching.get(name);
    if (result.state === 'submitted') {
      if (!keys) this.#fetching.set(name, (keys = new Set()));
      keys.add(item.key);
    } else if (keys?.delete(item.key) && keys.size === 0) {
      this.#fetching.delete(name);
    }
    return result;
  }

  async check(signal: AbortSignal): Promise<string[]> {
    const { account, permissions } = await this.#ping(signal);
    const findings = [`cincopa token accepted (account ${account}${permissions.length > 0 ? `, permissions ${permissions.join(' | ')}` : ''})`];
    const missing = ['asset', 'gallery'].filter((area) => permissions.length > 0 && !permissions.some((permission) => permission === '*' || permission.startsWith(`${area}.`)));
    if (missing.length > 0) findings.push(`warning: the token's permissions do not mention ${missing.map((area) => `${area}.*`).join(' or ')}; uploads or gallery adds may be refused`);
    const gallery = this.#options.gallery;
    if (gallery?.fid) {
      await this.#run.client.call('gallery.get_items', { fid: gallery.fid, items_per_page: 1 }, signal);
      findings.push(`gallery ${gallery.fid} exists`);
    } else if (gallery?.name) {
      const fid = await this.#resolveGallery(gallery, signal, false);
      findings.push(fid ? `gallery "${gallery.name}" exists (${fid})` : `gallery "${gallery.name}" does not exist yet; the run will create it`);
    }
    return findings;
  }

  /** Read-only until a repair is asked for: a gallery that does not exist yet is simply empty. */
  async openVerifier(signal: AbortSignal): Promise<CincopaVerifier> {
    await this.#ping(signal);
    const gallery = this.#options.gallery;
    const fid = gallery ? await this.#resolveGallery({ ...gallery, createIfMissing: true }, signal, false) : undefined;
    return new CincopaVerifier(this.#run.client, this.#options.jobName, fid);
  }

  /** The gallery's fid: given, found by exact name, or (when `create`) created. */
  async #resolveGallery(gallery: NonNullable<CincopaTargetOptions['gallery']>, signal: AbortSignal, create: boolean): Promise<string | undefined> {
    if (gallery.fid) {
      await this.#run.client.call('gallery.get_items', { fid: gallery.fid, items_per_page: 1 }, signal);
      return gallery.fid;
    }
    const name = gallery.name!;
    const found = await findGalleriesByName(this.#run.client, name, signal);
    if (found.length > 1) this.#options.log.warn({ gallery: name, fids: found.map((entry) => entry.fid) }, 'several galleries have this name; using the first');
    if (found[0]) return found[0].fid;
    if (gallery.createIfMissing === false) throw new PermanentError('cincopa:gallery-missing', `cincopa: no gallery is named "${name}" and target.gallery.createIfMissing is false`);
    if (!create) return undefined;
    const created = await this.#run.client.call<{ fid: string }>('gallery.create', { name }, signal);
    this.#options.log.info({ gallery: name, fid: created.fid }, 'created the gallery');
    return created.fid;
  }

  async #ping(signal: AbortSignal): Promise<{ account: string; permissions: string[] }> {
    try {
      const body = await this.#run.client.call<{ accid?: unknown; permissions?: unknown }>('ping', {}, signal);
      // Pipe-separated in the wild (`asset.*|gallery.*`); commas accepted too.
      const permissions = typeof body.permissions === 'string' ? body.permissions.split(/[|,]/).map((part) => part.trim()).filter(Boolean) : [];
      return { account: String(body.accid ?? 'unknown'), permissions };
    } catch (error) {
      if (error instanceof AuthError) throw new AuthError(error.code, `Cincopa refused the API token (${error.message})`, { cause: error });
      throw error;
    }
  }

  async step(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    switch (item.state) {
      case 'pending':
        return (await this.#findExisting(item, ctx)) ?? (this.#options.mode === 'from_url' ? this.#track(item, await submit(this.#run, item, ctx)) : startDirect(this.#run, item, ctx));
      case 'submitted':
        return this.#track(item, await poll(this.#run, item, ctx));
      case 'uploading':
        return continueDirect(this.#run, this.#budget, item, ctx);
      case 'fetched':
      case 'uploaded':
        return describe(this.#run, item, ctx);
      case 'described': {
        // Normally batched (stepBatch); one item alone goes the same way.
        const [outcome] = await this.stepBatch([{ item, checkpoint: ctx.checkpoint }], ctx);
        if (outcome && 'error' in outcome) throw outcome.error;
        return outcome!.result;
      }
      case 'placed':
        return { state: remoteOf(item).preexisting ? 'skipped' : 'done' };
      default:
        throw new PermanentError('cincopa:state', `cincopa: an item in state ${item.state} has no Cincopa step`);
    }
  }

  async stepBatch(members: BatchMember[], ctx: { signal: AbortSignal }): Promise<BatchOutcome[]> {
    if (!this.#placement) return members.map(() => ({ result: { state: 'placed' } }));
    return this.#placement.place(members, ctx.signal);
  }

  /** Idempotency: an asset with this item's reference id means the upload already happened. */
  async #findExisting(item: ItemRecord, ctx: StepContext): Promise<StepResult | undefined> {
    const references = [this.#run.referenceId(item)];
    if (this.#options.legacyReferenceIds) references.push(legacyReferenceId(this.#options.jobName, item.key, item.revision));
    for (const reference of references) {
      const existing = await findByReference(this.#run.client, reference, ctx.signal, ctx.log);
      if (existing.length === 0) continue;
      if (existing.length > 1) ctx.log.warn({ rids: existing.map((asset) => asset.rid) }, 'several assets carry this reference id; using the first (ferry verify lists the others)');
      // A legacy label is renewed by the describe step (fetched → described).
      return reference === references[0] ? { state: 'described', remote: { rid: existing[0]!.rid, preexisting: true } } : { state: 'fetched', remote: { rid: existing[0]!.rid, preexisting: true } };
    }
    // A submission whose answer was lost (crash right after Cincopa accepted it) leaves an
    // asset without reference id: adopt it, when that is unambiguous, instead of uploading a twin.
    if (remoteOf(item).submitIntentAt) {
      const orphan = await adoptOrphan(this.#run, item, ctx);
      if (orphan) return { state: 'fetched', remote: { rid: orphan.rid, adopted: true } };
    }
    return undefined;
  }
}
