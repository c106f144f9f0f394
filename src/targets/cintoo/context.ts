// What the Cintoo steps share within one run: the API client, the destination, the formats
// catalogue, the block buffers, the hashing queue, the bandwidth cap, and the settings.

import path from 'node:path';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { PermanentError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { TargetMetrics } from '../../metrics/types.ts';
import type { Bandwidth } from '../bandwidth.ts';
import { BlockPool } from './blockPool.ts';
import type { CintooApi } from './client.ts';
import type { Destination } from './destination.ts';
import type { FormatCatalog } from './formats.ts';
import type { FileFacts } from './hash.ts';
import { cintooRemoteSchema, type CintooRemote } from './remote.ts';

export interface CintooSettings {
  /** Files above this many bytes go as blocks; others as one Put Blob. */
  blockThresholdBytes: number;
  blockSizeBytes: number;
  /** Blocks in memory and in flight at once, over every file of the run. */
  blocksInFlight: number;
  hashConcurrency: number;
  signBatchSize: number;
  registerBatchSize: number;
  /** A transfer that moves no byte for this long is cut and tried again. */
  stallTimeoutMs: number;
  /** A signed URL with less life than this left is signed again before a transfer starts. */
  resignMarginMs: number;
}

export class CintooRun {
  readonly api: CintooApi;
  readonly destination: Destination;
  readonly settings: CintooSettings;
  readonly bandwidth: Bandwidth;
  readonly pool: BlockPool;
  /** Hashing reads whole files: it has its own concurrency, apart from the run's upload slots. */
  readonly hashing: PQueue;
  readonly metrics: TargetMetrics;
  readonly log: Logger;
  readonly scrub: (text: string) => string;
  #formats: FormatCatalog | undefined;

  constructor(options: { api: CintooApi; destination: Destination; settings: CintooSettings; bandwidth: Bandwidth; metrics: TargetMetrics; log: Logger; scrub(text: string): string }) {
    this.metrics = options.metrics;
    this.api = options.api;
    this.destination = options.destination;
    this.settings = options.settings;
    this.bandwidth = options.bandwidth;
    this.log = options.log;
    this.scrub = options.scrub;
    this.pool = new BlockPool(options.settings.blockSizeBytes, options.settings.blocksInFlight);
    this.hashing = new PQueue({ concurrency: options.settings.hashConcurrency });
  }

  get formats(): FormatCatalog {
    if (!this.#formats) throw new PermanentError('cintoo:not-prepared', 'cintoo: the formats list was not read (the target was not prepared)');
    return this.#formats;
  }

  set formats(catalog: FormatCatalog) {
    this.#formats = catalog;
  }

  get hasFormats(): boolean {
    return this.#formats !== undefined;
  }

  /** How the step should move the bytes: one Put Blob, or blocks. */
  usesBlocks(size: number): boolean {
    return size > this.settings.blockThresholdBytes;
  }
}

/** The item's Cintoo state, typed; a field of the wrong shape (a damaged ledger) fails the item loudly. */
export function remoteOf(item: ItemRecord): CintooRemote {
  const parsed = cintooRemoteSchema.safeParse(item.remote);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PermanentError('cintoo:remote-state', `the ledger's Cintoo state of this item is damaged (${issue.path.join('.')}: ${issue.message}). Fix: re-plan the item`);
}

/** The file's name in the work zone: its name on disk. */
export function fileNameOf(item: ItemRecord): string {
  return path.basename(item.source);
}

/**
 * The file must still be what was hashed: a different size or mtime means different bytes than
 * the MD5 Cintoo was promised. The item fails with the reason; running again re-plans it.
 */
export function ensureUnchanged(item: ItemRecord, remote: CintooRemote, facts: FileFacts): void {
  if (remote.hashedSize === facts.size && remote.hashedMtimeMs === facts.mtimeMs) return;
  const what = remote.hashedSize !== facts.size ? `changed size since it was hashed (${remote.hashedSize} → ${facts.size} bytes)` : `was modified since it was hashed (mtime ${new Date(remote.hashedMtimeMs ?? 0).toISOString()} → ${new Date(facts.mtimeMs).toISOString()})`;
  throw new PermanentError('cintoo:source-changed', `the file ${item.source} ${what}. Fix: run the job again: the changed file is planned, hashed and uploaded anew`);
}
