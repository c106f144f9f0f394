// The emulated Cincopa REST API v2 methods, by name: ping, token and webhooks here; asset.* in
// assets.ts and gallery.* in galleries.ts. Each answers the fields after {success:true, runtime}.

import { ApiFailure, required, type Handler } from './api.ts';
import { assetHandlers } from './assets.ts';
import { galleryHandlers } from './galleries.ts';

const accountHandlers: Record<string, Handler> = {
  // Pipe-separated, as real tokens are created and reported (C4, C9).
  ping: (_params, ctx) => ({ ping: 'pong', ...ctx.account, permissions: 'asset.*|gallery.*|webhook.*' }),

  'token.get_temp': () => ({ temp_token: `tmp${Date.now().toString(36)}`, expire: new Date(Date.now() + 3_600_000).toISOString() }),

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

export const handlers: Record<string, Handler> = { ...accountHandlers, ...assetHandlers, ...galleryHandlers };
