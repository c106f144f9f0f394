// `ferry reconcile`: the repairs verify suggests, applied as the findings stream in — or only
// described (the default, a dry run). Nothing is deleted without --delete-duplicates.
//   missing            → the item goes back to pending: the next run uploads it again
//   unrecorded (known) → the item adopts the object and continues from the step after upload
//   duplicate          → with --delete-duplicates: extra copies deleted (the ledger's kept, else the oldest)
//   mismatch           → membership made exactly one, metadata set again (via the describe step)
// Objects nobody can attribute (unlabelled twins, keys no longer planned) are reported, not touched.

import type { Logger } from 'pino';
import type { ItemRecord, LedgerStore } from '../ledger/types.ts';
import type { Verifier } from '../targets/types.ts';
import type { Finding } from './verifyJob.ts';

export interface ReconcileOptions {
  apply: boolean;
  deleteDuplicates: boolean;
  signal: AbortSignal;
  log: Logger;
}

export interface Action {
  finding: Finding;
  /** What was (or would be) done. */
  action: string;
  outcome: 'applied' | 'planned' | 'skipped' | 'failed';
  error?: string;
}

export class Reconciler {
  readonly #store: LedgerStore;
  readonly #verifier: Verifier;
  readonly #options: ReconcileOptions;
  readonly counts = { applied: 0, planned: 0, skipped: 0, failed: 0 };

  constructor(store: LedgerStore, verifier: Verifier, options: ReconcileOptions) {
    this.#store = store;
    this.#verifier = verifier;
    this.#options = options;
  }

  async handle(finding: Finding): Promise<Action> {
    const { repair } = finding;
    const describe = this.#describe(finding);
    if (repair.action === 'none' || (repair.action === 'delete-extras' && !this.#options.deleteDuplicates)) {
      return this.#record({ finding, action: repair.action === 'none' ? `report only: ${repair.why}` : `report only: ${describe} (add --delete-duplicates)`, outcome: 'skipped' });
    }
    if (!this.#options.apply) return this.#record({ finding, action: describe, outcome: 'planned' });
    try {
      await this.#apply(finding);
      this.#options.log.info({ key: finding.key, kind: finding.kind, action: describe }, 'reconciled');
      return this.#record({ finding, action: describe, outcome: 'applied' });
    } catch (error) {
      this.#options.log.warn({ key: finding.key, kind: finding.kind, err: error }, 'could not reconcile');
      return this.#record({ finding, action: describe, outcome: 'failed', error: (error as Error).message });
    }
  }

  #record(action: Action): Action {
    this.counts[action.outcome]++;
    return action;
  }

  #describe(finding: Finding): string {
    const repair = finding.repair;
    switch (repair.action) {
      case 'requeue':
        return 'put the item back to pending';
      case 'adopt':
        return `record ${repair.remoteId} and continue from the step after upload`;
      case 'redescribe':
        return `set the metadata of ${repair.remoteId} again`;
      case 'delete-extras':
        return `keep ${repair.keep}, delete ${repair.remove.join(', ')}`;
      case 'fix-membership':
        return `make ${repair.remoteId} a member of the gallery exactly once`;
      case 'none':
        return repair.why;
    }
  }

  async #apply(finding: Finding): Promise<void> {
    const { repair } = finding;
    const signal = this.#options.signal;
    switch (repair.action) {
      case 'requeue':
        await this.#amend(finding.key, { state: 'pending', remote: {}, attempts: 0, notBefore: null, lastError: null, errorClass: null, startedAt: null, finishedAt: null });
        return;
      case 'adopt':
      case 'redescribe':
        await this.#adopt(finding.key, repair.remoteId);
        return;
      case 'delete-extras': {
        if (!this.#verifier.remove) throw new Error(this.#verifier.cannotRemove ?? 'this platform offers no way to delete an object');
        for (const remoteId of repair.remove) await this.#verifier.remove(remoteId, signal);
        const item = await this.#store.get(finding.key);
        if (item && item.state !== 'done' && item.state !== 'skipped') await this.#adopt(finding.key, repair.keep);
        return;
      }
      case 'fix-membership':
        if (!this.#verifier.fixMembership) throw new Error('this target has no container to fix');
        await this.#verifier.fixMembership(repair.remoteId, signal);
        return;
      case 'none':
        return;
    }
  }

  async #adopt(key: string, remoteId: string): Promise<void> {
    const item = await this.#store.get(key);
    if (!item) throw new Error(`the ledger has no item ${key}`);
    const next = this.#verifier.adopt({ kind: 'labelled', key, revision: item.revision, remoteId, size: null, title: null, createdAt: null });
    await this.#amend(key, { state: next.state, remote: next.remote, attempts: 0, notBefore: null, lastError: null, errorClass: null, finishedAt: null });
  }

  async #amend(key: string, patch: Parameters<LedgerStore['amend']>[1]): Promise<ItemRecord> {
    const item = await this.#store.amend(key, patch);
    if (!item) throw new Error(`the ledger has no item ${key}`);
    return item;
  }
}
