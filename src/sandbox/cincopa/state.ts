// What the emulated Cincopa account holds: assets, galleries and webhooks, with the lookups
// the API needs (reference_id is indexed because ferry looks every item up before uploading).

import { randomBytes } from 'node:crypto';

export interface Asset {
  rid: string;
  /** Numeric id, as in the upload endpoint's "new resource id <n> <rid>". */
  id: number;
  filename: string;
  caption: string;
  description: string;
  long_description: string;
  tags: string[];
  reference_id: string;
  filesize: number;
  md5: string;
  type: string;
  source: 'url' | 'direct';
  uploaded: string;
}

export interface Gallery {
  fid: string;
  name: string;
  description: string;
  members: string[];
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
  readonly webhooks = new Map<string, { hook_url: string; events: string[]; security_key: string }>();
  readonly #byReference = new Map<string, Set<string>>();
  #nextNumericId = 100_000;

  createAsset(fields: Pick<Asset, 'filename' | 'filesize' | 'md5' | 'source'>): Asset {
    let rid: string;
    do rid = `A${randomId(8)}`;
    while (this.assets.has(rid));
    const asset: Asset = {
      rid,
      id: this.#nextNumericId++,
      caption: fields.filename.replace(/\.[^.]+$/, ''),
      description: '',
      long_description: '',
      tags: [],
      reference_id: '',
      type: typeOf(fields.filename),
      uploaded: new Date().toISOString(),
      ...fields,
    };
    this.assets.set(rid, asset);
    return asset;
  }

  setReference(asset: Asset, referenceId: string): void {
    if (asset.reference_id) this.#byReference.get(asset.reference_id)?.delete(asset.rid);
    asset.reference_id = referenceId;
    if (!referenceId) return;
    let set = this.#byReference.get(referenceId);
    if (!set) this.#byReference.set(referenceId, (set = new Set()));
    set.add(asset.rid);
  }

  byReference(referenceId: string): Asset[] {
    return [...(this.#byReference.get(referenceId) ?? [])].map((rid) => this.assets.get(rid)!);
  }

  deleteAsset(rid: string): boolean {
    const asset = this.assets.get(rid);
    if (!asset) return false;
    this.setReference(asset, '');
    this.assets.delete(rid);
    for (const gallery of this.galleries.values()) gallery.members = gallery.members.filter((member) => member !== rid);
    return true;
  }

  createGallery(name: string, description: string): Gallery {
    let fid: string;
    do fid = `${randomId(6)}_${randomId(5, '_')}`;
    while (this.galleries.has(fid));
    const gallery = { fid, name, description, members: [] };
    this.galleries.set(fid, gallery);
    return gallery;
  }
}

function typeOf(filename: string): string {
  const extension = filename.split('.').pop()?.toLowerCase() ?? '';
  if (['mp4', 'mov', 'avi', 'mkv', 'webm', 'm4v'].includes(extension)) return 'video';
  if (['jpg', 'jpeg', 'png', 'gif', 'webp'].includes(extension)) return 'image';
  if (['mp3', 'wav', 'aac', 'm4a'].includes(extension)) return 'audio';
  return 'other';
}
