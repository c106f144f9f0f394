// What every emulated Cincopa API method shares: its context, its failure (ApiFailure, answered
// by the server in the configured failure style), required parameters, paging and the asset view.
// The methods themselves: methods.ts (the table, ping, token, webhooks), assets.ts, galleries.ts.

import type { FaultRule } from '../faults.ts';
import type { DirectUploads } from './upload.ts';
import type { Fetcher } from './fetcher.ts';
import type { CincopaSettings } from './settings.ts';
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
  settings: CincopaSettings;
  baseUrl: string;
  account: { accid: string; accemail: string; userid: string };
  /** A processing fault chosen for this request (upload_from_url), or an expired-url fault. */
  fault: FaultRule | undefined;
}

export type Params = Record<string, string>;
export type Handler = (params: Params, ctx: ApiContext) => Record<string, unknown>;

export const required = (params: Params, name: string): string => {
  const value = params[name];
  if (!value) throw new ApiFailure(400, `missing required parameter ${name}`);
  return value;
};

export const MAX_ITEMS_PER_PAGE = 500;

/** One page of `items` (1-based `page`, `items_per_page` 1..500, default 50) and its items_data. */
export function page<T>(items: readonly T[], params: Params, pageCountKey: 'pages_count' | 'page_count' = 'pages_count'): { slice: T[]; items_data: Record<string, number> } {
  const perPage = Math.min(Math.max(Number(params.items_per_page) || 50, 1), MAX_ITEMS_PER_PAGE);
  const pageNumber = Math.max(Math.floor(Number(params.page)) || 1, 1);
  const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  return { slice, items_data: { page: pageNumber, items_per_page: perPage, items_count: items.length, [pageCountKey]: Math.max(1, Math.ceil(items.length / perPage)) } };
}

/** An asset as the API lists it: the fields real sources show (C3, C5); no md5 (no source shows one). */
export function assetView(asset: Asset): Record<string, unknown> {
  const { md5: _md5, source: _source, ...fields } = asset;
  return { ...fields, tags: asset.tags.join(',') };
}
