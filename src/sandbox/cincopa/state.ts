// What the emulated Cincopa account holds: assets, galleries and webhooks, with the lookups
// the API needs at 100,000 assets: reference ids indexed (ferry looks every item up before
// uploading), assets kept in an array for O(1) paging, gallery memberships counted per rid.

import { randomBytes } from 'node:crypto';
import { ReferenceIndex } from './referenceIndex.ts';

export interface Asset {
  rid: string;
  /** Numeric id, as in the upload endpoint's "new resource id <n> <rid>". */
  id: number;
  filename: string;
  caption: string;
  description: string;
  long_description: string;
  related_link_text: string;
  related_link_url: string;
  tags: string[];
  reference_id: string;
  filesize: number;
  md5: string;
  /** Cincopa's vocabulary: video, image, music, other (C3). */
  type: string;
  source: 'url' | 'direct';
  uploaded: string;
  modified: string;
}

/** A gallery's members in order; a rid added twice is there twice (unless deduped on add). */
export class Gallery {
  readonly fid: string;
  name: string;
  description: string;
  #members: string[] = [];
  readonly #counts = new Map<string, number>();

  constructor(fid: string, name: string, description: string) {
    this.fid = fid;
    this.name = name;
    this.description = description;
  }

  get members(): readonly string[] {
    return this.#members;
  }

  has(rid: string): boolean {
    return this.#counts.has(rid);
  }

  add(rids: readonly string[], position: 'top' | 'bottom'): void {
    for (const rid of rids) this.#counts.set(rid, (this.#counts.get(rid) ?? 0) + 1);
    if (position === 'top') this.#members = [...rids, ...this.#members];
    else for (const rid of rids) this.#members.push(rid);
  }

  /** Drops every membership of `rid`. */
  remove(rid: string): void {
    if (!this.#counts.delete(rid)) return;
    this.#members = this.#members.filter((member) => member !== rid);
  }

  /** Rids held more than once, with how often. */
  doubles(): { rid: string; count: number }[] {
    const doubles: { rid: string; count: number }[] = [];
    for (const [rid, count] of this.#counts) if (count > 1) doubles.push({ rid, count });
    return doubles;
  }
}

export interface Webhook {
  hook_url: string;
  events: string[];
  security_key: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomId(length: number, extra = ''): string {
  const alphabet = ALPHABET + extra;
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

export class CincopaState {
  readonly assets = new Map<string, Asset>();
  readonly galleries = new Map<string, Gallery>();
  readonly webhooks = new Map<string, Webhook>();
  readonly references = new ReferenceIndex();
  /** Assets in creation order, for paging; deletions are compacted lazily. */
  #ordered: Asset[] = [];
  #deleted = 0;
  #nextNumericId = 100_000;

  createAsset(fields: Pick<Asset, 'filename' | 'filesize' | 'md5' | 'source'>): Asset {
    let rid: string;
    do rid = `A${randomId(8)}`;
    while (this.assets.has(rid));
    const now = new Date().toISOString();
    const asset: Asset = {
      rid,
      id: this.#nextNumericId++,
      caption: fields.filename.replace(/\.[^.]+$/, ''),
      description: '',
      long_description: '',
      related_link_text: '',
      related_link_url: '',
      tags: [],
      reference_id: '',
      type: typeOf(fields.filename),
      uploaded: now,
      modified: now,
      ...fields,
    };
    this.assets.set(rid, asset);
    this.#ordered.push(asset);
    return asset;
  }

  /** Every asset in creation order (the array is shared: do not change it). */
  ordered(): readonly Asset[] {
    if (this.#deleted > 0) {
      this.#ordered = this.#ordered.filter((asset) => this.assets.get(asset.rid) === asset);
      this.#deleted = 0;
    }
    return this.#ordered;
  }

  setReference(asset: Asset, referenceId: string): void {
    this.references.remove(asset.reference_id, asset.rid);
    asset.reference_id = referenceId;
    this.references.add(referenceId, asset.rid);
  }

  byReference(referenceId: string, match: 'exact' | 'substring'): Asset[] {
    const rids = match === 'exact' ? this.references.exact(referenceId) : this.references.containing(referenceId);
    return rids.map((rid) => this.assets.get(rid)!);
  }

  deleteAsset(rid: string): boolean {
    const asset = this.assets.get(rid);
    if (!asset) return false;
    this.references.remove(asset.reference_id, rid);
    this.assets.delete(rid);
    this.#deleted++;
    for (const gallery of this.galleries.values()) gallery.remove(rid);
    return true;
  }

  createGallery(name: string, description: string): Gallery {
    let fid: string;
    do fid = `${randomId(6)}_${randomId(5, '_')}`;
    while (this.galleries.has(fid));
    const gallery = new Gallery(fid, name, description);
    this.galleries.set(fid, gallery);
    return gallery;
  }
}

function typeOf(filename: string): string {
  const extension = filename.split('.').pop()?.toLowerCase() ?? '';
  if (['mp4', 'mov', 'avi', 'mkv', 'webm', 'm4v'].includes(extension)) return 'video';
  if (['jpg', 'jpeg', 'png', 'gif', 'webp'].includes(extension)) return 'image';
  if (['mp3', 'wav', 'aac', 'm4a', 'ogg', 'flac'].includes(extension)) return 'music';
  return 'other';
}
