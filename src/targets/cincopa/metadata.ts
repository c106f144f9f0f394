// fetched/uploaded → described: asset.set_meta labels the asset with its reference id (what
// makes it findable by later runs and by verify) and sets title, description and tags.
//
// Labelling comes first: when the fields make a long request, the reference id (with the
// title) goes in a call of its own before them, so a refusal of the long part (431, a server
// limit) still leaves a labelled asset. `tags` on set_meta is seen in no public client
// (evidence.md §3.16): when Cincopa refuses it, ferry logs it once, sends no tags for the rest
// of the run and the item still succeeds; when Cincopa silently ignores it, nothing can tell.

import { PermanentError } from '../../core/errors.ts';
import type { ItemRecord } from '../../ledger/types.ts';
import type { StepContext, StepResult } from '../types.ts';
import type { CincopaParams } from './client.ts';
import { remoteOf, sourceFileName, type CincopaRun } from './context.ts';

/** Above this many bytes of parameters the label goes in a call of its own. */
const ONE_CALL_LIMIT = 2_000;

export async function describe(run: CincopaRun, item: ItemRecord, ctx: StepContext): Promise<StepResult> {
  const rid = String(remoteOf(item).rid);
  const fields = item.fields;
  const label: CincopaParams = { rid, reference_id: run.referenceId(item), caption: fields.title || sourceFileName(item.source).replace(/\.[^.]+$/, '') };
  const details: CincopaParams = { description: fields.description || undefined, tags: (!run.tagsRefused && fields.tags) || undefined };
  const size = (params: CincopaParams): number => new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined) as [string, string][]).toString().length;
  if (size(label) + size(details) <= ONE_CALL_LIMIT) {
    await setMeta(run, { ...label, ...details }, ctx);
  } else {
    await setMeta(run, label, ctx);
    if (details.description !== undefined || details.tags !== undefined) await setMeta(run, { rid, ...details }, ctx);
  }
  return { state: 'described' };
}

async function setMeta(run: CincopaRun, params: CincopaParams, ctx: StepContext): Promise<void> {
  try {
    await run.client.call('asset.set_meta', params, ctx.signal);
  } catch (error) {
    // A refusal of a call with tags may be a refusal of tags: the same call without them tells.
    if (params.tags === undefined || !(error instanceof PermanentError)) throw error;
    const { tags: _tags, ...rest } = params;
    await run.client.call('asset.set_meta', rest, ctx.signal);
    if (!run.tagsRefused) ctx.log.warn({ error: error.message }, 'Cincopa refused asset.set_meta with tags and took it without them; this run sets no tags (the other fields are set)');
    run.tagsRefused = true;
  }
}
