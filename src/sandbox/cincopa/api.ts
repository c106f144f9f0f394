// The Cincopa REST API v2 methods ferry uses, emulated with their documented shapes:
// {success:true, runtime, ...} on success; failures either as non-2xx or as HTTP 200 with
// {success:false, message} (selectable), string progress, -1 sizes, items_data paging.

import type { FaultRule } from '../faults.ts';
import type { DirectUploads } from './upload.ts';
import type { Fetcher } from './fetcher.ts';
import type { Asset, CincopaState } from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export class ApiFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface ApiContext {
  state: CincopaState;
  fetcher: Fetcher;
  uploads: DirectUploads;
  webhooks: WebhookDispatcher;
  baseUrl: string;
  account: { accid: string; accemail: string; userid: string };
  /** A processing fault chosen for this request (upload_from_url), or an expired-url fault. */
  fault: FaultRule | undefined;
}

type Params = Record<string, string>;
type Handler = (params: Params, ctx: ApiContext) => Record<string, unknown>;

const required = (params: Params, name: string): string => {
  const value = params[name];
  if (!value) throw new ApiFailure(400, `missing required parameter ${name}`);
  return value;
};

function page<T>(items: T[], params: Params): { slice: T[]; items_data: Record<string, number> } {
  const perPage = Math.min(Math.max(Number(params.items_per_page) || 50, 1), 500);
  const pageNumber = Math.max(Number(params.page) || 1, 1);
  const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  return { slice, items_data: { page: pageNumber, items_per_page: perPage, items_count: items.length, pages_count: Math.max(1, Math.ceil(items.length / perPage)) } };
}

const view = (asset: Asset): Record<string, unknown> => ({ ...asset, tags: asset.tags.join(',') });

function findAsset(ctx: ApiContext, rid: string): Asset {
  const asset = ctx.state.assets.get(rid);
  if (!asset) throw new ApiFailure(404, `asset ${rid} not found`);
  return asset;
}

export const handlers: Record<string, Handler> = {
  ping: (_params, ctx) => ({ ping: 'pong', ...ctx.account, permissions: 'asset.*,gallery.*,webhook.*' }),

  'token.get_temp': () => ({ temp_token: `tmp${Date.now().toString(36)}`, expire: new Date(Date.now() + 3_600_000).toISOString() }),

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
    const percent = job.status === 'done' ? 100 : job.size ? Math.floor((job.bytes * 100) / job.size) : 0;
    return {
      status: job.status,
      progress: String(percent),
      progress_bytes: job.bytes,
      file_size_bytes: job.size ?? -1,
      resid: job.rid,
      more: job.more,
      debug: '',
    };
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

  'asset.list': (params, ctx) => {
    let assets: Asset[];
    if (params.rid) assets = params.rid.split(',').flatMap((rid) => ctx.state.assets.get(rid) ?? []);
    else if (params.reference_id !== undefined) assets = ctx.state.byReference(params.reference_id);
    else assets = [...ctx.state.assets.values()];
    if (params.search) {
      const needle = params.search.toLowerCase();
      assets = assets.filter((asset) => asset.caption.toLowerCase().includes(needle) || asset.filename.toLowerCase().includes(needle));
    }
    const { slice, items_data } = page(assets, params);
    return { items: slice.map(view), items_data };
  },

  'asset.set_meta': (params, ctx) => {
    const asset = findAsset(ctx, required(params, 'rid'));
    if (params.caption !== undefined) asset.caption = params.caption;
    if (params.description !== undefined) asset.description = params.description;
    if (params.long_description !== undefined) asset.long_description = params.long_description;
    if (params.tags !== undefined) asset.tags = params.tags.split(',').map((tag) => tag.trim()).filter(Boolean);
    if (params.reference_id !== undefined) ctx.state.setReference(asset, params.reference_id);
    ctx.webhooks.emit('asset.updated', { rid: asset.rid, reference_id: asset.reference_id, caption: asset.caption });
    return {};
  },

  'asset.delete': (params, ctx) => {
    const rid = required(params, 'rid');
    if (!ctx.state.deleteAsset(rid)) throw new ApiFailure(404, `asset ${rid} not found`);
    return {};
  },

  'gallery.create': (params, ctx) => {
    const gallery = ctx.state.createGallery(params.name ?? 'Untitled', params.description ?? '');
    return { fid: gallery.fid };
  },

  'gallery.list': (params, ctx) => {
    let galleries = [...ctx.state.galleries.values()];
    if (params.search) {
      // Cincopa's search syntax "caption=<text>" filters by name; plain text matches the name too.
      const needle = params.search.replace(/^caption=/, '').toLowerCase();
      galleries = galleries.filter((gallery) => gallery.name.toLowerCase().includes(needle));
    }
    const { slice, items_data } = page(galleries, params);
    return { galleries: slice.map((gallery) => ({ fid: gallery.fid, name: gallery.name, description: gallery.description, items_count: gallery.members.length })), items_data };
  },

  'gallery.get_items': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    const { slice, items_data } = page(gallery.members, params);
    return { folder: { fid: gallery.fid, name: gallery.name, items: slice.map((rid) => view(ctx.state.assets.get(rid)!)), items_data } };
  },

  'gallery.add_item': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    const rids = required(params, 'rid').split(',').map((rid) => rid.trim()).filter(Boolean);
    const missing = rids.filter((rid) => !ctx.state.assets.has(rid));
    if (missing.length > 0) throw new ApiFailure(404, `assets not found: ${missing.join(',')}`);
    const fresh = rids.filter((rid, index) => !gallery.members.includes(rid) && rids.indexOf(rid) === index);
    gallery.members = params.insert_position === 'top' ? [...fresh, ...gallery.members] : [...gallery.members, ...fresh];
    return { added: fresh.length };
  },

  'gallery.delete': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    if (params.delete_assets === 'yes') for (const rid of gallery.members) ctx.state.deleteAsset(rid);
    ctx.state.galleries.delete(gallery.fid);
    return {};
  },

  'webhook.set': (params, ctx) => {
    const hookUrl = required(params, 'hook_url');
    const events = required(params, 'events').split(',').map((event) => event.trim()).filter(Boolean);
    ctx.state.webhooks.set(hookUrl, { hook_url: hookUrl, events, security_key: params.security_key ?? '' });
    return {};
  },

  'webhook.list': (_params, ctx) => ({ webhooks: [...ctx.state.webhooks.values()].map(({ hook_url, events }) => ({ hook_url, events: events.join(',') })) }),

  'webhook.delete': (params, ctx) => {
    if (!ctx.state.webhooks.delete(required(params, 'hook_url'))) throw new ApiFailure(404, 'webhook not found');
    return {};
  },
};
