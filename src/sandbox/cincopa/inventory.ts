// What the emulated Cincopa holds, in the form tests assert on: every asset, every gallery
// with its members (doubles included), and the two things that must never happen in a
// migration listed outright — assets sharing a reference id, and galleries holding a rid twice —
// plus the calls per API method, so "one upload per item" is a lookup, not a journal scan.

import type { Journal } from '../journal.ts';
import type { Asset, CincopaState } from './state.ts';

/** An asset as the inventory shows it: Cincopa's field names plus `size`/`createdAt` aliases. */
export type InventoryAsset = Asset & { size: number; createdAt: string };

export interface InventoryGallery {
  fid: string;
  name: string;
  description: string;
  /** Member rids in order; a rid added twice appears twice. */
  members: string[];
  /** Rids this gallery holds more than once (each listed once). */
  doubles: string[];
}

export interface CincopaInventory {
  assets: InventoryAsset[];
  galleries: InventoryGallery[];
  webhooks: { hook_url: string; events: string[] }[];
  /** Webhook deliveries the receiver answered with 200. */
  webhookDeliveries: number;
  /** Non-empty reference ids carried by more than one asset, with those assets' rids. */
  duplicateReferences: { reference_id: string; rids: string[] }[];
  /** Every (gallery, rid) held more than once, with how often. */
  galleryDoubles: { fid: string; rid: string; count: number }[];
  /** Requests per API method since the journal was last cleared; the upload endpoint's chunks under 'upload'. */
  calls: Record<string, number>;
}

export function emptyInventory(): CincopaInventory {
  return { assets: [], galleries: [], webhooks: [], webhookDeliveries: 0, duplicateReferences: [], galleryDoubles: [], calls: {} };
}

export function takeInventory(state: CincopaState, journal: Journal, webhookDeliveries: number): CincopaInventory {
  const byReference = new Map<string, string[]>();
  for (const asset of state.assets.values()) {
    if (!asset.reference_id) continue;
    const rids = byReference.get(asset.reference_id);
    if (rids) rids.push(asset.rid);
    else byReference.set(asset.reference_id, [asset.rid]);
  }
  const galleries = [...state.galleries.values()];
  return {
    assets: [...state.assets.values()].map((asset) => ({ ...asset, tags: [...asset.tags], size: asset.filesize, createdAt: asset.uploaded })),
    galleries: galleries.map((gallery) => ({ fid: gallery.fid, name: gallery.name, description: gallery.description, members: [...gallery.members], doubles: gallery.doubles().map(({ rid }) => rid) })),
    webhooks: [...state.webhooks.values()].map(({ hook_url, events }) => ({ hook_url, events: [...events] })),
    webhookDeliveries,
    duplicateReferences: [...byReference].filter(([, rids]) => rids.length > 1).map(([reference_id, rids]) => ({ reference_id, rids })),
    galleryDoubles: galleries.flatMap((gallery) => gallery.doubles().map(({ rid, count }) => ({ fid: gallery.fid, rid, count }))),
    calls: { ...journal.calls('cincopa'), ...journal.calls('cincopa-upload') },
  };
}
