// Finding what Cincopa already holds, for the idempotency protocol: assets by reference id
// (exact match checked here, because the API's filter may not be exact and reference ids are
// not unique), orphans of a submission whose answer was lost, galleries by exact name, and a
// gallery's members. Every listing pages to its end: a lookup that stopped early would turn
// "not found yet" into a duplicate upload.

import type { Logger } from 'pino';
import type { CincopaClient } from './client.ts';
import { readPage } from './responses.ts';

export interface AssetSummary {
  rid: string;
  filename?: string;
  caption?: string;
  reference_id?: string;
  filesize?: number | string;
  uploaded?: string;
  modified?: string;
}

const PER_PAGE = 100;
/** A lookup that needs more pages than this says so once: the platform's filter is probably not exact. */
const MANY_PAGES = 20;
const warned = new WeakSet<Logger>();

export async function* pages<T>(client: CincopaClient, method: string, params: Record<string, string>, keys: string[], signal?: AbortSignal, log?: Logger): AsyncGenerator<T> {
  for (let page = 1; ; page++) {
    const body = await client.call(method, { ...params, page, items_per_page: PER_PAGE }, signal);
    const { items, pages: total } = readPage<T>(body, keys);
    yield* items;
    if (page >= total || items.length === 0) return;
    if (page === MANY_PAGES && log && !warned.has(log)) {
      warned.add(log);
      log.warn({ method, params: Object.keys(params), pages: total }, 'a Cincopa lookup pages through many results; its filter seems not to be exact, so lookups are slow but still complete');
    }
  }
}

export async function findByReference(client: CincopaClient, referenceId: string, signal?: AbortSignal, log?: Logger): Promise<AssetSummary[]> {
  const found: AssetSummary[] = [];
  for await (const asset of pages<AssetSummary>(client, 'asset.list', { reference_id: referenceId }, ['items'], signal, log)) {
    if (asset.reference_id === referenceId) found.push(asset);
  }
  return found;
}

/**
 * Assets named `filename` that carry no reference id: what an upload_from_url leaves behind
 * when ferry died between Cincopa accepting the request and the ledger saving its status_id.
 */
export async function findOrphans(client: CincopaClient, filename: string, signal?: AbortSignal, log?: Logger): Promise<AssetSummary[]> {
  const found: AssetSummary[] = [];
  for await (const asset of pages<AssetSummary>(client, 'asset.list', { search: filename }, ['items'], signal, log)) {
    if (asset.filename === filename && !asset.reference_id) found.push(asset);
  }
  return found;
}

export interface GallerySummary {
  fid: string;
  name: string;
}

export async function findGalleriesByName(client: CincopaClient, name: string, signal?: AbortSignal): Promise<GallerySummary[]> {
  const found: GallerySummary[] = [];
  for await (const gallery of pages<GallerySummary>(client, 'gallery.list', { search: `caption=${name}` }, ['galleries', 'items', 'folders'], signal)) {
    if (gallery.name === name) found.push(gallery);
  }
  return found;
}

/** Every rid in a gallery, counting a rid listed twice twice. */
export async function* galleryMembers(client: CincopaClient, fid: string, signal?: AbortSignal): AsyncGenerator<string> {
  for await (const item of pages<{ rid?: string; id?: string }>(client, 'gallery.get_items', { fid }, ['items'], signal)) {
    const rid = item.rid ?? item.id;
    if (rid) yield rid;
  }
}
