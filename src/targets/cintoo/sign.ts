// hashed → signed: many files per `POST …/workzones/{wz}/bulk-files` (one call per work zone in
// a batch), each answered with a signed storage URL, its blob name and a lifetime. The expiry
// is persisted with the URL, so a resumed item knows whether its URL is still good.
//
// Before an item this job never touched is signed, the work zone is searched for a file of the
// same name and size: a re-run whose ledger was lost then finds its files instead of uploading
// twins (idempotencyLookup). It is skipped when another item of the job has the same file name:
// then a match proves nothing.
//
// A re-signed URL may name a new blob (Cintoo does not say it keeps the old one). Blocks sent
// under the old blob are not part of the new one, so a block upload then starts over; a file
// that starts over a few times because of this fails with the reason instead of looping.

import { PermanentError } from '../../core/errors.ts';
import type { RemoteState } from '../../ledger/types.ts';
import type { BatchMember, BatchOutcome } from '../types.ts';
import { CintooRefusal, seg } from './client.ts';
import { fileNameOf, remoteOf, type CintooRun } from './context.ts';
import type { ExistingFiles } from './files.ts';
import { extensionOf } from './formats.ts';
import type { CintooRemote } from './remote.ts';

/** Block uploads a file may start over because a new signing named a new blob. */
export const MAX_BLOCK_RESTARTS = 3;

interface SignedFile {
  url: string;
  blobName: string;
}

export async function signBatch(run: CintooRun, existing: ExistingFiles, members: BatchMember[], signal: AbortSignal): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = new Array(members.length);
  const byZone = new Map<string, number[]>();
  await Promise.all(
    members.map(async (member, index) => {
      try {
        const remote = remoteOf(member.item);
        // A work zone once chosen stays: a resumed item never moves.
        const zone = remote.workzoneId ?? (await run.destination.zoneFor(member.item.key, signal));
        const found = await lookForExisting(run, existing, member, remote, zone, signal);
        if (found) {
          outcomes[index] = { result: found };
          return;
        }
        byZone.set(zone, [...(byZone.get(zone) ?? []), index]);
      } catch (error) {
        outcomes[index] = { error };
      }
    }),
  );
  for (const [zone, indexes] of byZone) await signInZone(run, zone, indexes, members, outcomes, signal);
  return outcomes;
}

async function lookForExisting(run: CintooRun, existing: ExistingFiles, member: BatchMember, remote: CintooRemote, zone: string, signal: AbortSignal): Promise<{ state: 'skipped'; remote: RemoteState } | undefined> {
  const { item } = member;
  // Only an item nothing was done for yet: a changed file (revision > 0) is meant to go up again.
  if (item.revision > 0 || remote.blobName || remote.fileUrn || remote.registerIntentAt) return undefined;
  const name = fileNameOf(item);
  const category = run.formats.of(extensionOf(name))?.category ?? '';
  const matches = await existing.find({ workzoneId: zone, name, size: remote.hashedSize! }, category, signal);
  if (matches.length === 0) return undefined;
  if (member.peers && (await member.peers.countWithSourceName(name)) > 0) return undefined;
  if (matches.length > 1) run.log.warn({ item: item.key, files: matches.map((file) => file.id) }, 'several files in the work zone have this name and size; taking the first as this item');
  run.log.info({ item: item.key, file: matches[0]!.id }, 'the work zone already holds this file (same name and size); not uploading it again');
  return { state: 'skipped', remote: { workzoneId: zone, fileUrn: matches[0]!.id, preexisting: true } };
}

/** One sign call for these members; a refusal of several is retried one by one, so only the refused one fails. */
async function signInZone(run: CintooRun, zone: string, indexes: number[], members: BatchMember[], outcomes: BatchOutcome[], signal: AbortSignal): Promise<void> {
  const declarations = indexes.map((index) => declarationOf(members[index]!));
  const startedAt = Date.now();
  let answer: { files: SignedFile[]; expiresInSec: number | undefined };
  try {
    answer = readSignAnswer(await run.api.call<unknown>('POST', `${run.destination.projectPath}/workzones/${seg(zone)}/bulk-files`, { json: declarations, signal }), declarations);
  } catch (error) {
    if (error instanceof CintooRefusal && indexes.length > 1) {
      for (const index of indexes) await signInZone(run, zone, [index], members, outcomes, signal);
      return;
    }
    const reason = error instanceof CintooRefusal && error.errorCode === 'deleted-workzone' ? new PermanentError(error.code, `${error.message}. The work zone was deleted in Cintoo after the job chose it. Fix: choose another work zone in the job file; items already uploaded stay where they are`) : error;
    for (const index of indexes) outcomes[index] = { error: reason };
    return;
  }
  indexes.forEach((index, position) => {
    try {
      outcomes[index] = { result: { state: 'signed', remote: signedRemote(run, members[index]!, zone, answer.files[position]!, startedAt, answer.expiresInSec) } };
    } catch (error) {
      outcomes[index] = { error };
    }
  });
}

export function declarationOf(member: BatchMember): { name: string; extension: string; size: number; md5: string; isAttachment: boolean } {
  const remote = remoteOf(member.item);
  const name = fileNameOf(member.item);
  return { name, extension: extensionOf(name), size: remote.hashedSize!, md5: remote.md5!, isAttachment: false };
}

function signedRemote(run: CintooRun, member: BatchMember, zone: string, file: SignedFile, startedAt: number, expiresInSec: number | undefined): RemoteState {
  const remote = remoteOf(member.item);
  const expiresAt = urlExpiry(file.url, startedAt, expiresInSec);
  const next: RemoteState = { workzoneId: zone, url: file.url, blobName: file.blobName, urlExpiresAt: expiresAt, registerIntentAt: null };
  if (remote.blockBlob && remote.blockBlob !== file.blobName && remote.blocks) {
    const restarts = (remote.blockRestarts ?? 0) + 1;
    if (restarts > MAX_BLOCK_RESTARTS) {
      throw new PermanentError(
        'cintoo:blob-renamed',
        `every new upload URL for this file names a new blob, so the blocks sent before are lost each time (${restarts - 1} restarts): the file takes longer to upload than an upload URL lives (about ${Math.round((expiresAt - startedAt) / 60_000)} min). Fix: give the run more bandwidth (fewer files at once, no --max-rate), or a larger runner.concurrency share for this file`,
      );
    }
    run.log.warn({ item: member.item.key, from: remote.blockBlob, to: file.blobName, acknowledged: remote.blocks }, 'the new upload URL names a new blob: the blocks sent under the old one do not count, the file starts over');
    Object.assign(next, { blockBlob: file.blobName, blocks: '', blockRestarts: restarts });
  }
  return next;
}

/**
 * When the URL stops working: the answer's `expiresIn` counted from before the request (the
 * safe side), or the SAS's own expiry (`se`) when that is earlier.
 */
function urlExpiry(url: string, startedAt: number, expiresInSec: number | undefined): number {
  const byAnswer = startedAt + (expiresInSec ?? 3600) * 1000;
  try {
    const se = Date.parse(new URL(url).searchParams.get('se') ?? '');
    return Number.isNaN(se) ? byAnswer : Math.min(byAnswer, se);
  } catch {
    return byAnswer;
  }
}

/** `{provider, expiresIn, files:[{name, url, blobName, …}]}`, one file per declaration, in order. */
function readSignAnswer(body: unknown, declared: { name: string }[]): { files: SignedFile[]; expiresInSec: number | undefined } {
  const raw = (typeof body === 'object' && body !== null ? body : {}) as { expiresIn?: unknown; files?: unknown; provider?: unknown };
  const list = Array.isArray(raw.files) ? (raw.files as Record<string, unknown>[]) : [];
  const files = declared.map((declaration, index) => {
    // In request order, per the documentation; matched by name when the order is not kept.
    const entry = list[index]?.name === declaration.name ? list[index] : list.find((candidate) => candidate?.name === declaration.name);
    if (!entry || typeof entry.url !== 'string' || typeof entry.blobName !== 'string') throw new PermanentError('cintoo:sign-answer', `cintoo sign: the answer has no upload URL for ${declaration.name}`);
    return { url: entry.url, blobName: entry.blobName };
  });
  if (raw.provider !== undefined && raw.provider !== 'azure') throw new PermanentError('cintoo:storage-provider', `cintoo sign: the storage provider is "${String(raw.provider)}"; this version of ferry uploads to Azure storage only`);
  const expiresIn = Number(raw.expiresIn);
  return { files, expiresInSec: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined };
}
