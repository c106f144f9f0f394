// described → placed: the asset joins the job's gallery. gallery.add_item takes comma-joined
// rids (evidence C6), so items are added in batches (the runner gathers them).
//
// Whether Cincopa keeps a rid twice in a gallery is documented nowhere, so assume it does: an
// item whose membership is uncertain — an add was sent but its outcome not saved (a crash,
// a lost answer), or the asset was found at the platform rather than uploaded now — is checked
// against the gallery's member list before it is added. The list is read once per run, only
// when such an item turns up, kept up to date with the run's own adds, and read again after an
// add whose outcome is unknown (for a very large gallery that costs a full listing per lost
// answer — the price of never adding twice where the platform may keep doubles).

import { PermanentError } from '../../core/errors.ts';
import { saveIntents } from '../batchIntent.ts';
import type { BatchMember, BatchOutcome } from '../types.ts';
import { remoteOf, type CincopaRun } from './context.ts';
import { galleryMembers } from './lookup.ts';

export class GalleryPlacement {
  readonly #run: CincopaRun;
  readonly #fid: string;
  #members: Promise<Set<string>> | undefined;

  constructor(run: CincopaRun, fid: string) {
    this.#run = run;
    this.#fid = fid;
  }

  get fid(): string {
    return this.#fid;
  }

  async place(batch: BatchMember[], signal: AbortSignal): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(batch.length);
    const placed = (index: number): void => void (outcomes[index] = { result: { state: 'placed', remote: { fid: this.#fid, placeIntentAt: null } } });
    const toAdd: number[] = [];
    const uncertain = batch.some(({ item }) => isUncertain(remoteOf(item)));
    const members = uncertain ? await this.#memberSet(signal) : undefined;
    batch.forEach(({ item }, index) => {
      const rid = String(remoteOf(item).rid);
      if (members?.has(rid) && isUncertain(remoteOf(item))) placed(index);
      else toAdd.push(index);
    });
    if (toAdd.length > 0) {
      // Saved before the call: a crash or lost answer from here on makes these items uncertain.
      // A member whose lease is gone (another worker holds it now) is left out (batchIntent.ts).
      const intentAt = Date.now();
      const held = await saveIntents(batch, toAdd, (member) => ({ ...member.item.remote, placeIntentAt: intentAt }), outcomes);
      if (held.length > 0) await this.#add(held, batch, outcomes, placed, signal);
    }
    return outcomes;
  }

  async #add(indexes: number[], batch: BatchMember[], outcomes: BatchOutcome[], placed: (index: number) => void, signal: AbortSignal): Promise<void> {
    const rids = indexes.map((index) => String(remoteOf(batch[index]!.item).rid));
    try {
      await this.#run.client.call('gallery.add_item', { fid: this.#fid, rid: rids.join(',') }, signal);
      indexes.forEach(placed);
      const members = this.#members && (await this.#members);
      for (const rid of rids) members?.add(rid);
    } catch (error) {
      // A refusal of a several-rid call may concern one rid: add the rest one by one so only
      // the refused one fails. Anything else (transient, rate limit, auth) concerns them all.
      if (error instanceof PermanentError && indexes.length > 1) {
        for (const index of indexes) await this.#add([index], batch, outcomes, placed, signal);
        return;
      }
      // The add may have happened (an answer lost in flight): a member list read before it is
      // stale for these rids, so the next uncertain item reads the list again.
      if (!(error instanceof PermanentError)) this.#members = undefined;
      for (const index of indexes) outcomes[index] = { error };
    }
  }

  #memberSet(signal: AbortSignal): Promise<Set<string>> {
    this.#members ??= (async () => {
      const set = new Set<string>();
      for await (const rid of galleryMembers(this.#run.client, this.#fid, signal)) set.add(rid);
      this.#run.log.info({ fid: this.#fid, members: set.size }, 'read the gallery members to check uncertain placements');
      return set;
    })();
    // A failed read is not kept: the next uncertain item reads again.
    this.#members.catch(() => (this.#members = undefined));
    return this.#members;
  }
}

function isUncertain(remote: ReturnType<typeof remoteOf>): boolean {
  return Boolean(remote.placeIntentAt || remote.preexisting || remote.adopted);
}

