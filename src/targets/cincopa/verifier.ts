// What `ferry verify` and `ferry reconcile` see and do at Cincopa. No API lists assets by a
// reference-id prefix, so the whole library is paged through (100 assets per call) and each
// asset is classified on the fly: labelled with one of this job's reference ids, or unlabelled
// — the latter matter only when their file name is one of the job's (the twin of a lost
// submission). Nothing is kept in memory beyond one page.

import { PermanentError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { DestinationEntry, Verifier } from '../types.ts';
import type { CincopaClient } from './client.ts';
import { sourceFileName } from './context.ts';
import { galleryMembers, pages, type AssetSummary } from './lookup.ts';
import { keyOfReferenceId } from './referenceId.ts';

export class CincopaVerifier implements Verifier {
  /** An asset labelled with the job's reference id belongs to the job even when the ledger lost its key. */
  readonly ownsUnknownKeys = true;
  readonly #client: CincopaClient;
  readonly #jobName: string;
  readonly #fid: string | undefined;
  readonly members?: (signal: AbortSignal) => AsyncIterable<string>;
  readonly fixMembership?: (rid: string, signal: AbortSignal) => Promise<void>;

  /** `fid`: the job's gallery, when it has one and it exists. */
  constructor(client: CincopaClient, jobName: string, fid: string | undefined) {
    this.#client = client;
    this.#jobName = jobName;
    this.#fid = fid;
    if (fid) {
      this.members = (signal) => galleryMembers(client, fid, signal);
      // remove_item's parameters are not documented (taken as add_item's); removing first and
      // adding once leaves exactly one membership whether it drops one or all copies.
      this.fixMembership = async (rid, signal) => {
        await client.call('gallery.remove_item', { fid, rid }, signal).catch((error: unknown) => {
          if (!(error instanceof PermanentError)) throw error; // not a member: nothing to remove
        });
        await client.call('gallery.add_item', { fid, rid }, signal);
      };
    }
  }

  async *entries(signal: AbortSignal): AsyncIterable<DestinationEntry> {
    for await (const asset of pages<AssetSummary>(this.#client, 'asset.list', {}, ['items'], signal)) {
      const size = asset.filesize === undefined || asset.filesize === '' ? null : Number(asset.filesize);
      const known = Number.isFinite(size) ? size : null;
      if (!asset.reference_id) {
        if (asset.filename) yield { kind: 'unlabelled', name: asset.filename, remoteId: asset.rid, size: known };
        continue;
      }
      const decoded = keyOfReferenceId(this.#jobName, asset.reference_id);
      if (!decoded) continue;
      const created = Date.parse(asset.uploaded ?? asset.modified ?? '');
      yield { kind: 'labelled', key: decoded.key, revision: decoded.revision, remoteId: asset.rid, size: known, title: asset.caption ?? null, createdAt: Number.isNaN(created) ? null : created };
    }
  }

  nameOf(item: ItemRecord): string {
    return sourceFileName(item.source);
  }

  /** The asset is labelled and exists: describe (harmless again) and place it, membership checked. */
  adopt(entry: Extract<DestinationEntry, { kind: 'labelled' }>): ReturnType<Verifier['adopt']> {
    return { state: 'fetched', remote: { rid: entry.remoteId, adopted: true } };
  }

  async remove(rid: string, signal: AbortSignal): Promise<void> {
    await this.#client.call('asset.delete', { rid }, signal);
  }

  get gallery(): string | undefined {
    return this.#fid;
  }
}
