// Path A: Cincopa fetches the source itself (asset.upload_from_url), ferry polls the status
// until the asset exists.
//   pending → submitted(status_id) → fetched(rid)
// The status id is persisted before any wait, so a restarted run polls, never re-submits. An
// answer lost in flight (connection cut, ferry killed) leaves a submission ferry cannot see:
// the item watches for its asset for submitGraceMs, adopts it only when that is unambiguous,
// and otherwise submits again and says which unlabelled assets may be twins.

import type { StepContext, StepResult } from '../types.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import { PermanentError, RetryableError } from '../../core/errors.ts';
import { remoteOf, sourceFileName, type CincopaRun } from './context.ts';
import { findByReference, findOrphans, type AssetSummary } from './lookup.ts';
import { nextPollDelay } from './pollSchedule.ts';
import { readUploadStatus } from './responses.ts';

export async function submit(run: CincopaRun, item: ItemRecord, ctx: StepContext): Promise<StepResult> {
  if (!/^https?:\/\//i.test(item.source)) {
    throw new PermanentError('cincopa:source', `cincopa from_url needs an http(s) URL, but the source is not one (${item.source}). Fix: give a URL, or use target.mode "direct" for local files`);
  }
  const remote = remoteOf(item);
  // An earlier submission whose answer was lost may still be fetching: its asset appears only
  // when the fetch is done. Watch for it (findExisting adopts it) for a grace period rather
  // than submitting a twin at once.
  const intentAt = remote.submitIntentAt ?? 0;
  if (intentAt > 0 && Date.now() - intentAt < run.settings.submitGraceMs) {
    return { state: 'pending', againAfterMs: run.settings.poll.firstMs };
  }
  // Saved before the call: if the answer is lost, the next attempt knows a submission may exist.
  const { submitIntentAt: _previous, ...rest } = item.remote;
  await ctx.checkpoint({ ...rest, submitIntentAt: Date.now() });
  let body: { status_id?: string | number };
  try {
    body = await run.client.call<{ status_id?: string | number }>('asset.upload_from_url', { input: item.source }, ctx.signal);
  } catch (error) {
    // An answer came back (429, 4xx, 5xx): Cincopa did not take the job, so nothing to wait for.
    const ambiguous = ctx.signal.aborted || (error instanceof RetryableError && error.code.startsWith('network:'));
    if (!ambiguous) await ctx.checkpoint(rest);
    throw error;
  }
  if (body.status_id === undefined || body.status_id === '') throw new PermanentError('cincopa:no-status-id', 'cincopa asset.upload_from_url answered without a status_id');
  return { state: 'submitted', remote: { statusId: String(body.status_id), submittedAt: Date.now(), polls: 0 }, againAfterMs: nextPollDelay(0, run.settings.poll) };
}

export async function poll(run: CincopaRun, item: ItemRecord, ctx: StepContext): Promise<StepResult> {
  const remote = remoteOf(item);
  const statusId = String(remote.statusId);
  const body = await run.client.call('asset.upload_from_url_get_status', { status_id: statusId }, ctx.signal);
  const status = readUploadStatus(body);
  const polls = (remote.polls ?? 0) + 1;
  if (status.state === 'failed') return fetchFailed(run, item, ctx, status.message || status.status || 'no reason given');
  if (status.state === 'done') {
    if (status.rid) return { state: 'fetched', remote: { rid: status.rid, polls }, bytes: status.size ?? status.bytes ?? undefined };
    // Finished, but the answer names no asset: find it rather than poll for hours.
    return finishedWithoutId(run, item, ctx, status.status);
  }
  if (!status.known) run.noteUnknownStatus(status.status, ctx.log);
  const waited = Date.now() - (remote.submittedAt ?? Date.now());
  if (waited > run.settings.processingTimeoutMs) {
    await run.client.call('asset.upload_from_url_abort', { status_id: statusId }, ctx.signal).catch(() => undefined);
    throw new PermanentError('cincopa:processing-timeout', `cincopa was still fetching/processing after ${Math.round(waited / 1000)} s; aborted`);
  }
  return { state: 'submitted', remote: { progress: status.progressPercent, polls }, againAfterMs: nextPollDelay(polls, run.settings.poll) };
}

/** Fetches a source may fail for a passing reason before the item fails for good. */
export const MAX_FETCH_ATTEMPTS = 3;

/**
 * Cincopa could not fetch the source. When its reason reads as passing (the source's server
 * reset, refused or timed out the connection, or answered 5xx/429) the item is submitted
 * again after a backoff, up to MAX_FETCH_ATTEMPTS fetches; a definite answer (404, 403, a file
 * Cincopa cannot read) fails it at once, its class naming the source's HTTP status when known.
 */
function fetchFailed(run: CincopaRun, item: ItemRecord, ctx: StepContext, reason: string): StepResult {
  const remote = remoteOf(item);
  const fetches = (remote.fetchFailures ?? 0) + 1;
  const httpStatus = /\bHTTP (\d{3})\b|\banswered (\d{3})\b/i.exec(reason);
  const code = httpStatus ? Number(httpStatus[1] ?? httpStatus[2]) : undefined;
  const passing = code !== undefined ? code >= 500 || code === 429 || code === 408 : /reset|refused|timed? ?out|timeout|interrupted|incomplete|unreachable|temporar|ECONN|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(reason);
  if (passing && fetches < MAX_FETCH_ATTEMPTS) {
    const retryInMs = Math.min(60_000, run.settings.poll.firstMs * 2 ** fetches);
    ctx.log.info({ reason, fetches, retryInMs }, 'cincopa could not fetch the source for a passing reason; submitting it again');
    return { state: 'pending', remote: { statusId: null, submittedAt: null, submitIntentAt: null, polls: 0, fetchFailures: fetches }, againAfterMs: retryInMs };
  }
  const kind = code !== undefined ? `http-${code}` : passing ? 'network' : 'refused';
  throw new PermanentError(`cincopa:fetch-failed:${kind}`, `cincopa could not fetch the source${passing ? ` (${fetches} tries)` : ''}: ${reason}`);
}

/**
 * Cincopa said the fetch is done but gave no rid. The asset is not labelled yet, so the one
 * honest way to find it is as an orphan of this item's source, taken only when unambiguous.
 */
async function finishedWithoutId(run: CincopaRun, item: ItemRecord, ctx: StepContext, status: string): Promise<StepResult> {
  const existing = await findByReference(run.client, run.referenceId(item), ctx.signal, ctx.log);
  if (existing[0]) return { state: 'fetched', remote: { rid: existing[0].rid } };
  const adopted = await adoptOrphan(run, item, ctx);
  if (adopted) return { state: 'fetched', remote: { rid: adopted.rid, adopted: true } };
  throw new PermanentError(
    'cincopa:done-without-id',
    `cincopa reported the fetch as "${status || 'done'}" but named no asset, and ferry could not identify the asset without guessing. Fix: ferry verify lists unlabelled assets with this file name; ferry retry uploads it again`,
  );
}

/**
 * The asset of this item's lost submission, when exactly one candidate can be it: an asset with
 * the source's file name, no reference id, made after the submission was sent, and no other
 * item of the job whose source has that file name (two such items could take each other's asset).
 * Otherwise nothing is adopted: the candidates are logged for reconciliation.
 */
export async function adoptOrphan(run: CincopaRun, item: ItemRecord, ctx: StepContext): Promise<AssetSummary | undefined> {
  const remote = remoteOf(item);
  const fileName = sourceFileName(item.source);
  const since = (remote.submitIntentAt ?? remote.submittedAt ?? 0) - 60_000; // clock skew allowance
  const candidates = (await findOrphans(run.client, fileName, ctx.signal, ctx.log)).filter((asset) => createdAfter(asset, since));
  if (candidates.length === 0) return undefined;
  const peers = await ctx.peers.countWithSourceName(fileName);
  if (candidates.length === 1 && peers === 0) {
    ctx.log.info({ rid: candidates[0]!.rid }, 'adopting the asset of an interrupted submission');
    return candidates[0];
  }
  ctx.log.warn(
    { fileName, candidates: candidates.map((asset) => asset.rid), itemsWithThisName: peers + 1 },
    'unlabelled assets with this file name exist, but which one is this item\'s cannot be told; not adopting any (ferry verify lists them for reconciliation)',
  );
  return undefined;
}

function createdAfter(asset: AssetSummary, since: number): boolean {
  const when = Date.parse(asset.uploaded ?? asset.modified ?? '');
  return Number.isNaN(when) || when >= since;
}
