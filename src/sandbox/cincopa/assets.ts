// asset.* methods: upload from URL (start, status, abort), the direct upload URL, listing with
// its filters and paging, set_meta and delete. Where the real behaviour is unknown the settings
// decide (reference_id exact or substring, tags stored/ignored/refused, status wording).

import { ApiFailure, assetView, page, required, type Handler } from './api.ts';
import { statusFields } from './dialect.ts';
import type { Asset } from './state.ts';

/** The text fields set_meta writes as given (C3 SetAssetData). */
const TEXT_FIELDS = ['caption', 'description', 'long_description', 'related_link_text', 'related_link_url'] as const;

const contains = (value: string, needle: string): boolean => value.toLowerCase().includes(needle);

export const assetHandlers: Record<string, Handler> = {
  'asset.upload_from_url': (params, ctx) => {
    const input = required(params, 'input');
    if (!/^https?:\/\//i.test(input)) throw new ApiFailure(400, 'input must be an http(s) URL');
    const fid = params.fid || undefined;
    if (fid && !ctx.state.galleries.has(fid)) throw new ApiFailure(404, `gallery ${fid} not found`);
    const job = ctx.fetcher.start(input, fid, ctx.fault);
    return { status_id: job.statusId };
  },

  'asset.upload_from_url_get_status': (params, ctx) => {
    const job = ctx.fetcher.jobs.get(required(params, 'status_id'));
    if (!job) throw new ApiFailure(404, 'status_id not found');
    return statusFields(ctx.settings, job);
  },

  'asset.upload_from_url_abort': (params, ctx) => {
    const job = ctx.fetcher.abort(required(params, 'status_id'));
    if (!job) throw new ApiFailure(404, 'status_id not found');
    return { status_id: job.statusId };
  },

  'asset.get_upload_url': (params, ctx) => {
    const fid = params.fid || undefined;
    if (fid && !ctx.state.galleries.has(fid)) throw new ApiFailure(404, `gallery ${fid} not found`);
    return { upload_url: ctx.uploads.createUrl(ctx.baseUrl, fid, ctx.fault?.kind === 'expired-url') };
  },

  /**
   * One of rid (comma list) / reference_id / everything, then narrowed by every filter given:
   * search (caption or filename contains), details (caption, description or long_description
   * contains — C3 uses it "by_title"; which fields it reads is a guess), tag (one of the tags).
   */
  'asset.list': (params, ctx) => {
    let assets: readonly Asset[];
    if (params.rid) assets = params.rid.split(',').flatMap((rid) => ctx.state.assets.get(rid.trim()) ?? []);
    else if (params.reference_id !== undefined) assets = ctx.state.byReference(params.reference_id, ctx.settings.referenceMatch);
    else assets = ctx.state.ordered();
    const filters: ((asset: Asset) => boolean)[] = [];
    const search = params.search?.toLowerCase();
    if (search) filters.push((asset) => contains(asset.caption, search) || contains(asset.filename, search));
    const details = params.details?.toLowerCase();
    if (details) filters.push((asset) => contains(asset.caption, details) || contains(asset.description, details) || contains(asset.long_description, details));
    const tag = params.tag?.toLowerCase();
    if (tag) filters.push((asset) => asset.tags.some((candidate) => candidate.toLowerCase() === tag));
    if (filters.length > 0) assets = assets.filter((asset) => filters.every((keep) => keep(asset)));
    const { slice, items_data } = page(assets, params);
    return { items: slice.map(assetView), items_data };
  },

  'asset.set_meta': (params, ctx) => {
    const asset = ctx.state.assets.get(required(params, 'rid'));
    if (!asset) throw new ApiFailure(404, `asset ${params.rid} not found`);
    // No real source sends tags to set_meta: refusing the whole call is one possible answer.
    if (params.tags !== undefined && ctx.settings.setMetaTags === 'refuse') throw new ApiFailure(400, 'unknown parameter: tags');
    let changed = false;
    for (const field of TEXT_FIELDS) {
      const value = params[field];
      if (value !== undefined && asset[field] !== value) {
        asset[field] = value;
        changed = true;
      }
    }
    if (params.tags !== undefined && ctx.settings.setMetaTags === 'store') {
      const tags = params.tags.split(',').map((tag) => tag.trim()).filter(Boolean);
      if (tags.join(',') !== asset.tags.join(',')) {
        asset.tags = tags;
        changed = true;
      }
    }
    if (params.reference_id !== undefined && params.reference_id !== asset.reference_id) {
      ctx.state.setReference(asset, params.reference_id);
      changed = true;
    }
    if (changed) {
      asset.modified = new Date().toISOString();
      ctx.webhooks.emit('asset.updated', asset);
    }
    return {};
  },

  'asset.delete': (params, ctx) => {
    const rid = required(params, 'rid');
    if (!ctx.state.deleteAsset(rid)) throw new ApiFailure(404, `asset ${rid} not found`);
    return {};
  },
};
