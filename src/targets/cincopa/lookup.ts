// Finding what Cincopa already holds, for the idempotency protocol: assets by reference id
// (exact match checked here, because the API's filter may not be exact and reference ids are
// not unique), orphans of a submission whose answer was lost, and galleries by exact name.

import type { CincopaClient } from './client.ts';
import { readPage } from './responses.ts';

export interface AssetSummary {
  rid: string;
  filename?: string;
  caption?: string;
  reference_id?: string;
  filesize?: number | string;
}

const PER_PAGE = 100;
/** Bounds a lookup on a huge library; ferry's reference ids match a handful of assets at most. */
const MAX_PAGES = 50;

async function* pages<T>(client: CincopaClient, method: string, params: Record<string, string>, keys: string[], signal?: AbortSignal): AsyncGenerator<T> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = await client.call(method, { ...params, page, items_per_page: PER_PAGE }, signal);
    const { items, pages: total } = readPage<T>(body, keys);
    yield* items;
    if (page >= total || items.length === 0) return;
  }
}

export async function findByReference(client: CincopaClient, referenceId: string, signal?: AbortSignal): Promise<AssetSummary[]> {
  const found: AssetSummary[] = [];
  for await (const asset of pages<AssetSummary>(client, 'asset.list', { reference_id: referenceId }, ['items'], signal)) {
    if (asset.reference_id === referenceId) found.push(asset);
  }
  return found;
}

/**
 * Assets named `filename` that carry no reference id: what an upload_from_url leaves behind
 * when ferry died between Cincopa accepting the request and the ledger saving its status_id.
 */
export async function findOrphans(client: CincopaClient, filename: string, signal?: AbortSignal): Promise<AssetSummary[]> {
  const found: AssetSummary[] = [];
  for await (const asset of pages<AssetSummary>(client, 'asset.list', { search: filename }, ['items'], signal)) {
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
