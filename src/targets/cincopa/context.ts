// What the Cincopa steps share within one run: the client, the job's settings, and what the
// run has learnt about this account (whether it takes tags, which status strings it sends).

import path from 'node:path';
import type { Logger } from 'pino';
import { PermanentError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { TargetMetrics } from '../../metrics/types.ts';
import type { Bandwidth } from '../bandwidth.ts';
import type { CincopaClient } from './client.ts';
import type { PollSchedule } from './pollSchedule.ts';
import { referenceId } from './referenceId.ts';
import { cincopaRemoteSchema, type CincopaRemote } from './remote.ts';

export interface CincopaSettings {
  mode: 'from_url' | 'direct';
  jobName: string;
  poll: PollSchedule;
  processingTimeoutMs: number;
  chunkSizeBytes: number;
  requestTimeoutMs: number;
  submitGraceMs: number;
  /** Also look assets up by the reference id ferry 0.1 wrote. */
  legacyReferenceIds: boolean;
  /** The run's bandwidth cap for direct uploads (runner.maxBytesPerSecond); none when absent. */
  bandwidth?: Bandwidth;
}

export class CincopaRun {
  /** Set when the account refused `tags` on set_meta: the rest of the run sends none. */
  tagsRefused = false;
  readonly #seenStatuses = new Set<string>();

  readonly client: CincopaClient;
  readonly settings: CincopaSettings;
  readonly log: Logger;
  readonly scrub: (text: string) => string;
  readonly metrics: TargetMetrics;

  constructor(client: CincopaClient, settings: CincopaSettings, log: Logger, scrub: (text: string) => string, metrics: TargetMetrics) {
    this.client = client;
    this.settings = settings;
    this.log = log;
    this.scrub = scrub;
    this.metrics = metrics;
  }

  referenceId(item: ItemRecord): string {
    return referenceId(this.settings.jobName, item.key, item.revision);
  }

  /** An upload_from_url status string ferry does not know: counted as in progress, said once per run. */
  noteUnknownStatus(status: string, log: Logger): void {
    if (this.#seenStatuses.has(status)) return;
    this.#seenStatuses.add(status);
    log.warn({ status }, 'Cincopa sent an upload status ferry does not know; treating it as still in progress');
  }
}

/** The item's Cincopa state, typed; a field of the wrong shape (a damaged ledger) fails the item loudly. */
export function remoteOf(item: ItemRecord): CincopaRemote {
  const parsed = cincopaRemoteSchema.safeParse(item.remote);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PermanentError('cincopa:remote-state', `the ledger's Cincopa state of this item is damaged (${issue.path.join('.')}: ${issue.message}). Fix: ferry reconcile, or re-plan the item`);
}

/** The file name Cincopa gives an asset made from this source. */
export function sourceFileName(source: string): string {
  if (/^https?:\/\//i.test(source)) {
    try {
      return decodeURIComponent(path.posix.basename(new URL(source).pathname)) || 'download';
    } catch {
      return 'download';
    }
  }
  return path.basename(source);
}
