// What `ferry verify` and `ferry reconcile` see and do at Cintoo. Cintoo's files carry no label
// ferry could set, so a file belongs to an item by where and what it is: the item's work zone,
// its file name, and (for the current version) its size — the same match a register whose
// answer was lost uses. Files of the work zones that match no item are someone else's and are
// not reported. The project's file list is one bare array (Cintoo pages nothing), read once.
// Cintoo's API has no call that deletes a file: extra copies are reported for deletion by hand.

import path from 'node:path';
import type { ItemRecord } from '../../ledger/types.ts';
import type { DestinationEntry, Verifier } from '../types.ts';
import { rawIdOf } from './client.ts';
import type { CintooRun } from './context.ts';
import { fileNameOf, remoteOf } from './context.ts';
import { listFiles } from './files.ts';

export class CintooVerifier implements Verifier {
  readonly ownsUnknownKeys = false;
  readonly cannotRemove = "Cintoo's API has no call that deletes a file (delete it in Cintoo's web app)";
  readonly #run: CintooRun;

  constructor(run: CintooRun) {
    this.#run = run;
  }

  async *entries(signal: AbortSignal): AsyncIterable<DestinationEntry> {
    for (const file of await listFiles(this.#run.api, this.#run.destination.projectPath, [], signal)) {
      yield { kind: 'labelled', key: `${file.workzoneRaw}/${file.name}`, revision: null, remoteId: file.id, size: file.size, title: null, createdAt: file.createdAt ?? null };
    }
  }

  keyOf(item: ItemRecord): string | null {
    const zone = remoteOf(item).workzoneId ?? this.#run.destination.zoneIfKnown(item.key);
    return zone ? `${rawIdOf(zone)}/${fileNameOf(item)}` : null;
  }

  /** A file of the item's name in its work zone is its current version when the sizes agree. */
  sameVersion(item: ItemRecord, entry: { size: number | null }): boolean {
    const size = item.size ?? remoteOf(item).hashedSize ?? null;
    return size === null || entry.size === null || size === entry.size;
  }

  nameOf(item: ItemRecord): string {
    return path.basename(item.source);
  }

  /** The file exists in its work zone: the item is registered as that file and finishes. */
  adopt(entry: Extract<DestinationEntry, { kind: 'labelled' }>): ReturnType<Verifier['adopt']> {
    return { state: 'registered', remote: { fileUrn: entry.remoteId, adopted: true } };
  }
}
