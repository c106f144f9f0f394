// The Cintoo target: local files into a work zone, along Cintoo's three-step upload, every
// arrow a persisted transition:
//
//   pending ──(format check, MD5)──▶ hashed ──(sign, batched)──▶ signed ──(Put Blob)──▶ uploaded
//                                                                 └──▶ uploading(blocks) ──┘
//   uploaded ──(register, batched)──▶ registered ──▶ done
//   hashed ──(same name and size already in the work zone, new item)──▶ skipped
//
// pending and registered talk to no platform (localStates): hashing has its own concurrency and
// never holds an upload slot. A signed URL storage refuses, or one about to expire, sends the
// item back to hashed to be signed again.

import { PermanentError, RetryableError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { ManifestItem } from '../../manifest/types.ts';
import type { BatchMember, BatchOutcome, ItemFindings, StepContext, StepResult, Target, TargetCapabilities } from '../types.ts';
import type { CintooApi } from './client.ts';
import { fileNameOf, remoteOf, type CintooRun } from './context.ts';
import { ExistingFiles } from './files.ts';
import { extensionOf, FormatCatalog } from './formats.ts';
import { fileFacts, hashIsCurrent, md5OfFile } from './hash.ts';
import { registerBatch } from './register.ts';
import { signBatch } from './sign.ts';
import { StorageUrlRefused } from './storage.ts';
import { continueBlocks, uploadSigned } from './upload.ts';
import { CintooVerifier } from './verifier.ts';

/** What the Cintoo target can do (its registration declares the same object). */
export const CINTOO_CAPABILITIES: TargetCapabilities = { resumableUpload: true, idempotencyLookup: true, batchSteps: true, verify: true };

/** Signed URLs storage may refuse in a row before the refusal counts as a failed attempt. */
const MAX_URL_REFUSALS = 3;

export function createCintooTarget(run: CintooRun): Target {
  return new CintooTarget(run);
}

class CintooTarget implements Target {
  readonly type = 'cintoo';
  readonly capabilities = CINTOO_CAPABILITIES;
  readonly batching;
  readonly localStates = ['pending', 'registered'] as const;
  readonly #run: CintooRun;
  readonly #existing: ExistingFiles;

  constructor(run: CintooRun) {
    this.#run = run;
    this.#existing = new ExistingFiles(run.api, () => run.destination.projectPath);
    this.batching = { maxItems: { hashed: run.settings.signBatchSize, uploaded: run.settings.registerBatchSize }, lingerMs: 200 };
  }

  async prepare(signal: AbortSignal): Promise<void> {
    await isLogged(this.#run.api, signal);
    await this.#run.destination.resolve(signal, true);
    this.#run.formats = await FormatCatalog.load(this.#run.api, signal);
  }

  /** Read-only: the destination is resolved without creating any work zone. */
  async openVerifier(signal: AbortSignal): Promise<CintooVerifier> {
    await isLogged(this.#run.api, signal);
    await this.#run.destination.resolve(signal, false);
    return new CintooVerifier(this.#run);
  }

  async check(signal: AbortSignal): Promise<string[]> {
    await isLogged(this.#run.api, signal);
    const findings = ['cintoo login accepted (GET /api/isLogged)'];
    findings.push(...(await this.#run.destination.resolve(signal, false)));
    this.#run.formats = await FormatCatalog.load(this.#run.api, signal);
    findings.push(`${this.#run.formats.size} file formats known to Cintoo`);
    return findings;
  }

  async checkItems(items: AsyncIterable<ManifestItem>, signal: AbortSignal): Promise<ItemFindings> {
    if (!this.#run.hasFormats) this.#run.formats = await FormatCatalog.load(this.#run.api, signal);
    const byExtension = new Map<string, { count: number; examples: string[] }>();
    for await (const item of items) {
      const extension = extensionOf(fileNameOf({ source: item.source } as ItemRecord));
      const entry = byExtension.get(extension) ?? { count: 0, examples: [] };
      entry.count++;
      if (entry.examples.length < 3) entry.examples.push(item.origin);
      byExtension.set(extension, entry);
    }
    const lines: string[] = [];
    let problems = 0;
    for (const [extension, { count, examples }] of [...byExtension].sort(([a], [b]) => a.localeCompare(b))) {
      const problem = this.#run.formats.problem(extension);
      const label = extension ? `.${extension}` : '(no extension)';
      if (!problem) {
        lines.push(`formats: ${label} ×${count} accepted`);
        continue;
      }
      problems += count;
      lines.push(`formats: ${label} ×${count} would fail: ${problem} (e.g. ${examples.join(', ')})`);
    }
    return { lines, problems };
  }

  async step(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    try {
      switch (item.state) {
        case 'pending':
          return await this.#hash(item, ctx);
        case 'hashed':
        case 'uploaded': {
          // Normally batched (stepBatch); one item alone goes the same way.
          const [outcome] = await this.stepBatch([{ item, checkpoint: ctx.checkpoint, peers: ctx.peers }], ctx);
          if (outcome && 'error' in outcome) throw outcome.error;
          return outcome!.result;
        }
        case 'signed':
          return await uploadSigned(this.#run, item, ctx);
        case 'uploading':
          return await continueBlocks(this.#run, item, ctx);
        case 'registered':
          return { state: 'done' };
        default:
          throw new PermanentError('cintoo:state', `cintoo: an item in state ${item.state} has no Cintoo step`);
      }
    } catch (error) {
      if (error instanceof StorageUrlRefused) return await this.#urlRefused(item, error, ctx);
      throw error;
    }
  }

  async stepBatch(members: BatchMember[], ctx: { signal: AbortSignal }): Promise<BatchOutcome[]> {
    const state = members[0]?.item.state;
    if (state === 'hashed') return signBatch(this.#run, this.#existing, members, ctx.signal);
    if (state === 'uploaded') return registerBatch(this.#run, members, ctx.signal);
    return members.map(({ item }) => ({ error: new PermanentError('cintoo:state', `cintoo: state ${item.state} does not batch`) }));
  }

  /** pending → hashed: the format is one Cintoo takes, the file is as planned, and its MD5 is known. */
  async #hash(item: ItemRecord, ctx: StepContext): Promise<StepResult> {
    const name = fileNameOf(item);
    const problem = name.length > 255 ? `the file name is ${name.length} characters long; Cintoo takes at most 255. Fix: rename the file` : this.#run.formats.problem(extensionOf(name));
    if (problem) throw new PermanentError('cintoo:format', problem);
    const facts = await fileFacts(item.source);
    if (facts.size === 0) throw new PermanentError('cintoo:empty-file', 'the file is empty (0 bytes); Cintoo does not take empty files. Fix: leave it out, or export it again');
    if (item.size !== null && (item.size !== facts.size || (item.mtimeMs !== null && item.mtimeMs !== facts.mtimeMs))) {
      throw new PermanentError('cintoo:source-changed', `the file changed since the manifest was planned (${item.size} → ${facts.size} bytes). Fix: run the job again: it is planned anew and uploaded`);
    }
    const remote = remoteOf(item);
    if (hashIsCurrent(remote, facts)) return { state: 'hashed' };
    const started = performance.now();
    const md5 = await this.#run.hashing.add(() => md5OfFile(item.source, facts, ctx.signal), { signal: ctx.signal });
    ctx.log.debug({ bytes: facts.size, ms: Math.round(performance.now() - started) }, 'hashed');
    return { state: 'hashed', remote: { md5: md5!, hashedSize: facts.size, hashedMtimeMs: facts.mtimeMs } };
  }

  /**
   * Storage refused the signed URL (expired, or not signed for this): sign again at once. After
   * a few refusals in a row it counts as a failed attempt too (still signing again), so the
   * item's attempt budget bounds a storage that refuses every URL.
   */
  async #urlRefused(item: ItemRecord, error: StorageUrlRefused, ctx: StepContext): Promise<StepResult> {
    const refusals = (remoteOf(item).urlRefusals ?? 0) + 1;
    if (refusals > MAX_URL_REFUSALS) {
      await ctx.checkpoint({ ...item.remote, url: null, urlExpiresAt: null, urlRefusals: 0 });
      throw new RetryableError('cintoo:storage-refused', `${error.message}: storage refused ${refusals} freshly signed upload URLs for this file in a row`);
    }
    ctx.log.info({ reason: error.message }, 'storage refused the upload URL; signing the file again');
    return { state: 'hashed', remote: { url: null, urlExpiresAt: null, urlRefusals: refusals } };
  }
}

async function isLogged(api: CintooApi, signal: AbortSignal): Promise<void> {
  const answer = await api.call<{ success?: unknown }>('GET', '/api/isLogged', { signal });
  if (answer?.success !== true) throw new PermanentError('cintoo:not-logged', 'cintoo: GET /api/isLogged did not answer {"success": true}');
}
