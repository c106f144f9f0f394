// `ferry verify`: the destination compared with the ledger, item by item.
//   missing     the ledger says done, the platform has nothing for the item
//   unrecorded  the platform has an object of the job the ledger does not know (a submit whose
//               answer was lost, an item the ledger has not finished, a key no longer planned,
//               or an unlabelled twin of one of the job's files)
//   duplicate   two or more objects for one item
//   mismatch    the one object differs: size, title, or container membership (missing, doubled)
// The listing goes into a scratch file first (scratch.ts); then the ledger is streamed against it.

import type { ItemRecord, LedgerStore } from '../ledger/types.ts';
import type { Verifier } from '../targets/types.ts';
import { Scratch, type SeenObject } from './scratch.ts';

export const FINDING_KINDS = ['missing', 'unrecorded', 'duplicate', 'mismatch'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  /** The item key; empty for an unlabelled object. */
  key: string;
  /** The platform's ids involved (for a duplicate: every copy, the one to keep first). */
  remoteIds: string[];
  detail: string;
  /** What reconcile would do about it, or why it cannot. */
  repair: Repair;
}

export type Repair =
  | { action: 'requeue'; state: 'pending'; why: string }
  | { action: 'adopt'; remoteId: string; why: string }
  | { action: 'delete-extras'; keep: string; remove: string[]; why: string }
  | { action: 'fix-membership'; remoteId: string; why: string }
  | { action: 'redescribe'; remoteId: string; why: string }
  | { action: 'none'; why: string };

export interface VerifySummary {
  job: string;
  itemsInLedger: number;
  objectsSeen: number;
  findings: Record<FindingKind, number>;
  clean: boolean;
}

export interface VerifyOptions {
  job: string;
  /** The platform id the ledger keeps for an item (the target registration's remoteId). */
  remoteIdOf(item: ItemRecord): string | null;
  signal: AbortSignal;
  onFinding(finding: Finding): void | Promise<void>;
}

export async function verifyJob(store: LedgerStore, verifier: Verifier, options: VerifyOptions): Promise<VerifySummary> {
  const scratch = new Scratch();
  const counts = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, 0])) as Record<FindingKind, number>;
  const report = async (finding: Finding): Promise<void> => {
    counts[finding.kind]++;
    await options.onFinding(finding);
  };
  let objectsSeen = 0;
  let itemsInLedger = 0;
  try {
    for await (const entry of verifier.entries(options.signal)) {
      scratch.add(entry);
      objectsSeen++;
    }
    if (verifier.members) for await (const member of verifier.members(options.signal)) scratch.addMember(member);

    for await (const item of store.iterate()) {
      itemsInLedger++;
      scratch.addName(verifier.nameOf(item));
      const key = verifier.keyOf ? verifier.keyOf(item) : item.key;
      if (key === null) continue;
      for (const finding of compareItem(item, scratch.take(key), options.remoteIdOf(item), verifier, verifier.members ? scratch : undefined)) await report(finding);
    }
    for (const object of verifier.ownsUnknownKeys ? scratch.unmatched() : []) {
      await report({ kind: 'unrecorded', key: object.key, remoteIds: [object.remoteId], detail: 'carries a reference of this job, but the ledger has no such item (a row removed from the manifest?)', repair: { action: 'none', why: 'the job no longer plans this key; delete it by hand if unwanted' } });
    }
    for (const twin of scratch.unlabelledTwins()) {
      await report({
        kind: 'unrecorded',
        key: '',
        remoteIds: [twin.remoteId],
        detail: `unlabelled object named ${twin.name}${twin.size === null ? '' : ` (${twin.size} bytes)`}: possibly the twin of a submission whose answer was lost`,
        repair: { action: 'none', why: 'which item it belongs to cannot be told without guessing; compare it with the item of that name and delete it by hand if it is a twin' },
      });
    }
  } finally {
    scratch.close();
  }
  return { job: options.job, itemsInLedger, objectsSeen, findings: counts, clean: FINDING_KINDS.every((kind) => counts[kind] === 0) };
}

function compareItem(item: ItemRecord, seen: SeenObject[], known: string | null, verifier: Verifier, members: Scratch | undefined): Finding[] {
  // Objects of other versions are what a changed item was before it was uploaded again: expected.
  const sameVersion = verifier.sameVersion ?? ((_item: ItemRecord, entry: { revision: number | null }) => entry.revision === item.revision);
  const current = seen.filter((object) => sameVersion(item, object));
  const finished = item.state === 'done' || item.state === 'skipped';
  if (!finished) {
    if (current.length === 0) return [];
    if (current.length === 1 && known === current[0]!.remoteId) return []; // in flight, and the ledger knows its object
    if (current.length === 1) {
      return [{ kind: 'unrecorded', key: item.key, remoteIds: [current[0]!.remoteId], detail: `the platform has it; the ledger says ${item.state}`, repair: { action: 'adopt', remoteId: current[0]!.remoteId, why: 'record it and continue from the next step' } }];
    }
    return [duplicate(item, current, known, verifier)];
  }
  if (current.length === 0) {
    return [{ kind: 'missing', key: item.key, remoteIds: known ? [known] : [], detail: `the ledger says ${item.state}${known ? ` as ${known}` : ''}, the platform has nothing for it`, repair: { action: 'requeue', state: 'pending', why: 'upload it again' } }];
  }
  if (current.length > 1) return [duplicate(item, current, known, verifier)];
  const object = current[0]!;
  if (known !== object.remoteId) {
    return [{ kind: 'unrecorded', key: item.key, remoteIds: [object.remoteId, ...(known ? [known] : [])], detail: `the platform holds ${object.remoteId}; the ledger knows ${known ?? 'no id'}`, repair: { action: 'adopt', remoteId: object.remoteId, why: 'record the object the platform holds' } }];
  }
  const findings: Finding[] = [];
  const size = item.bytes ?? item.size;
  if (size !== null && object.size !== null && object.size > 0 && size > 0 && object.size !== size) {
    findings.push({ kind: 'mismatch', key: item.key, remoteIds: [object.remoteId], detail: `size: the platform holds ${object.size} bytes, the ledger ${size}`, repair: { action: 'none', why: 'the content differs: upload it again (ferry retry after marking it) or check the source' } });
  }
  const title = item.fields.title;
  if (title && object.title !== null && object.title !== title) {
    findings.push({ kind: 'mismatch', key: item.key, remoteIds: [object.remoteId], detail: `title: the platform says ${JSON.stringify(object.title)}, the manifest ${JSON.stringify(title)}`, repair: { action: 'redescribe', remoteId: object.remoteId, why: 'set its metadata again' } });
  }
  if (members) {
    const count = members.memberCount(object.remoteId);
    if (count !== 1) {
      findings.push({ kind: 'mismatch', key: item.key, remoteIds: [object.remoteId], detail: count === 0 ? 'not in the job\'s gallery' : `in the job's gallery ${count} times`, repair: { action: 'fix-membership', remoteId: object.remoteId, why: 'make it a member exactly once' } });
    }
  }
  return findings;
}

/** Several objects for one item: keep the one the ledger knows, else the oldest. */
function duplicate(item: ItemRecord, copies: SeenObject[], known: string | null, verifier: Verifier): Finding {
  const keep = copies.find((copy) => copy.remoteId === known) ?? [...copies].sort((a, b) => (a.createdAt ?? Infinity) - (b.createdAt ?? Infinity))[0]!;
  const remove = copies.filter((copy) => copy !== keep).map((copy) => copy.remoteId);
  return {
    kind: 'duplicate',
    key: item.key,
    remoteIds: [keep.remoteId, ...remove],
    detail: `${copies.length} objects for one item; ${keep.remoteId === known ? 'the ledger knows' : 'the oldest is'} ${keep.remoteId}`,
    repair: verifier.remove
      ? { action: 'delete-extras', keep: keep.remoteId, remove, why: 'with --delete-duplicates: delete the extra copies' }
      : { action: 'none', why: `${verifier.cannotRemove ?? 'ferry cannot delete objects here'}: delete ${remove.join(', ')} by hand` },
  };
}
