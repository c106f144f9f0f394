// uploaded → registered: the uploaded blobs become files of their work zone, many per
// `PUT …/workzones/{wz}/bulk-files` (the sign body again), answered with each file's URN.
//
// Registering twice may make a twin (Cintoo does not say; the sandbox's default does), so a
// register is never repeated blindly: its intent is saved before the call, and an item whose
// earlier register had no clear outcome (timeout, reset, lost answer, crash) is first looked for
// in the project's files — same work zone, name, size and blob — and taken as registered when
// found. Only when it is not there is it registered again.

import { PermanentError, RetryableError } from '../../core/errors.ts';
import type { RemoteState } from '../../ledger/types.ts';
import type { BatchMember, BatchOutcome } from '../types.ts';
import { saveIntents } from '../batchIntent.ts';
import { CintooRefusal, seg } from './client.ts';
import { fileNameOf, remoteOf, type CintooRun } from './context.ts';
import { listFiles, matchFiles } from './files.ts';
import { extensionOf } from './formats.ts';
import { declarationOf } from './sign.ts';

/** Uploads register may not find in storage, each sent again, before the item fails. */
export const MAX_UPLOAD_RESTARTS = 2;
/** A file listed as made this long before the register intent may still be the register's (clock skew). */
const CLOCK_SKEW_MS = 5 * 60_000;

export async function registerBatch(run: CintooRun, members: BatchMember[], signal: AbortSignal): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = new Array(members.length);
  const uncertain = members.map((member, index) => ({ member, index })).filter(({ member }) => remoteOf(member.item).registerIntentAt);
  const toRegister = new Set(members.map((_, index) => index));
  if (uncertain.length > 0) {
    try {
      const categories = new Set(uncertain.map(({ member }) => run.formats.of(extensionOf(fileNameOf(member.item)))?.category));
      const files = await listFiles(run.api, run.destination.projectPath, categories.has(undefined) ? [] : ([...categories] as string[]), signal);
      for (const { member, index } of uncertain) {
        const remote = remoteOf(member.item);
        const found = matchFiles(files, { workzoneId: remote.workzoneId!, name: fileNameOf(member.item), size: remote.hashedSize!, blobName: remote.blobName, since: remote.registerIntentAt! - CLOCK_SKEW_MS });
        if (found.length === 0) continue;
        if (found.length > 1) run.log.warn({ item: member.item.key, files: found.map((file) => file.id) }, 'an earlier register with a lost answer left several matching files; keeping the first (ferry verify lists the others)');
        run.log.info({ item: member.item.key, file: found[0]!.id }, 'the earlier register went through (its answer was lost): taking its file');
        outcomes[index] = { result: { state: 'registered', remote: { fileUrn: found[0]!.id, adopted: true, registerIntentAt: null } } };
        toRegister.delete(index);
      }
    } catch (error) {
      for (const { index } of uncertain) {
        outcomes[index] = { error };
        toRegister.delete(index);
      }
    }
  }
  const byZone = new Map<string, number[]>();
  for (const index of toRegister) {
    const zone = remoteOf(members[index]!.item).workzoneId!;
    byZone.set(zone, [...(byZone.get(zone) ?? []), index]);
  }
  for (const [zone, indexes] of byZone) await registerInZone(run, zone, indexes, members, outcomes, signal);
  return outcomes;
}

async function registerInZone(run: CintooRun, zone: string, candidates: number[], members: BatchMember[], outcomes: BatchOutcome[], signal: AbortSignal): Promise<void> {
  // Saved before the call: from here on a lost answer makes these items uncertain. A member
  // whose lease is gone (another worker holds it now) is left out (batchIntent.ts).
  const intentAt = Date.now();
  const indexes = await saveIntents(members, candidates, (member) => ({ ...member.item.remote, registerIntentAt: intentAt }), outcomes);
  if (indexes.length === 0) return;
  const declarations = indexes.map((index) => declarationOf(members[index]!));
  let answer: unknown;
  try {
    answer = await run.api.call<unknown>('PUT', `${run.destination.projectPath}/workzones/${seg(zone)}/bulk-files`, { json: declarations, signal });
  } catch (error) {
    // A refusal is definite (nothing registered: the call is all or nothing): with several
    // files, find the one refused by registering them one by one.
    if (error instanceof CintooRefusal && indexes.length > 1) {
      for (const index of indexes) await registerInZone(run, zone, [index], members, outcomes, signal);
      return;
    }
    for (const index of indexes) outcomes[index] = error instanceof CintooRefusal ? refusedOutcome(run, members[index]!, error) : { error };
    return;
  }
  const list = Array.isArray(answer) ? (answer as Record<string, unknown>[]) : [];
  indexes.forEach((index, position) => {
    const declared = declarations[position]!;
    const entry = list[position]?.name === declared.name ? list[position] : list.find((candidate) => candidate?.name === declared.name);
    if (!entry || typeof entry.id !== 'string') {
      // Registered or not, the answer does not say: uncertain, looked for on the next attempt.
      outcomes[index] = { error: new RetryableError('cintoo:register-answer', `cintoo register: the answer names no file for ${declared.name}`) };
      return;
    }
    const remote = remoteOf(members[index]!.item);
    if (typeof entry.blobName === 'string' && remote.blobName && entry.blobName !== remote.blobName) {
      run.log.warn({ item: members[index]!.item.key, signed: remote.blobName, registered: entry.blobName }, 'Cintoo registered another upload of the same name, size and MD5 than the one this item sent');
    }
    outcomes[index] = { result: { state: 'registered', remote: { fileUrn: entry.id, registerIntentAt: null } } };
  });
}

/**
 * A definite refusal of one file. The blob not being in storage as declared (gone, or not what
 * was signed) is answered by uploading the file again, a couple of times; anything else fails
 * the item with Cintoo's reason.
 */
function refusedOutcome(run: CintooRun, member: BatchMember, error: CintooRefusal): BatchOutcome {
  const remote = remoteOf(member.item);
  if (error.errorCode === 'blob-not-found' || error.errorCode === 'blob-mismatch') {
    const restarts = (remote.uploadRestarts ?? 0) + 1;
    if (restarts <= MAX_UPLOAD_RESTARTS) {
      run.log.warn({ item: member.item.key, reason: error.message }, 'Cintoo does not find the upload in storage as declared; signing and uploading the file again');
      const restart: RemoteState = { url: null, blobName: null, urlExpiresAt: null, blockBlob: null, blocks: '', registerIntentAt: null, uploadRestarts: restarts };
      return { result: { state: 'hashed', remote: restart } };
    }
    return { error: new PermanentError(error.code, `${error.message} (after ${restarts - 1} fresh uploads)`) };
  }
  if (error.errorCode === 'deleted-workzone') return { error: new PermanentError(error.code, `${error.message}. The work zone was deleted in Cintoo after the file was uploaded. Fix: choose another work zone in the job file`) };
  return { error };
}
