// The emulated Cincopa: REST API v2 under /v2/<method>.json (GET or POST), the direct upload
// endpoint /post.jpg, and the sandbox's own /_sandbox/ inventory, journal and fault controls.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { applyFault, close, listen, readBody, requestParams, sendJson } from '../http.ts';
import { faultRuleSchema, type Faults } from '../faults.ts';
import type { Journal } from '../journal.ts';
import { ApiFailure, handlers, type ApiContext } from './api.ts';
import { Fetcher } from './fetcher.ts';
import { CincopaState } from './state.ts';
import { DirectUploads } from './upload.ts';
import { WebhookDispatcher } from './webhooks.ts';

export interface CincopaSandboxOptions {
  host: string;
  port: number;
  apiToken?: string;
  /** Processing time after a fetched download, before the asset exists (ms). */
  processingMs?: number;
  /** 'http': failures are non-2xx; 'success-false': HTTP 200 with {success:false}. */
  failureStyle?: 'http' | 'success-false';
  journal: Journal;
  faults: Faults;
  /** Extra inventory merged into GET /_sandbox/inventory (e.g. Cintoo's). */
  extraInventory?: () => Record<string, unknown>;
}

export interface CincopaInventory {
  assets: ReturnType<CincopaState['assets']['get']> extends infer A ? NonNullable<A>[] : never;
  galleries: { fid: string; name: string; description: string; members: string[] }[];
  webhooks: { hook_url: string; events: string[] }[];
  webhookDeliveries: number;
}

export interface CincopaSandbox {
  url: string;
  apiToken: string;
  state: CincopaState;
  options: { processingMs: number; failureStyle: 'http' | 'success-false' };
  inventory(): CincopaInventory;
  close(): Promise<void>;
}

export async function startCincopaSandbox(options: CincopaSandboxOptions): Promise<CincopaSandbox> {
  const apiToken = options.apiToken ?? `sandbox-${randomBytes(12).toString('hex')}`;
  const settings = { processingMs: options.processingMs ?? 300, failureStyle: options.failureStyle ?? ('http' as const) };
  const state = new CincopaState();
  const webhooks = new WebhookDispatcher(state);
  const fetcher = new Fetcher(state, webhooks, () => settings.processingMs);
  const account = { accid: '4711', accemail: 'sandbox@ferry.local', userid: '815' };
  const uploads = new DirectUploads(state, webhooks, account.accid);
  const { journal, faults } = options;
  let baseUrl = '';

  const inventory = (): CincopaInventory => ({
    assets: [...state.assets.values()].map((asset) => ({ ...asset, tags: [...asset.tags] })),
    galleries: [...state.galleries.values()].map((gallery) => ({ ...gallery, members: [...gallery.members] })),
    webhooks: [...state.webhooks.values()].map(({ hook_url, events }) => ({ hook_url, events })),
    webhookDeliveries: webhooks.delivered,
  });

  const errorBody = (status: number, message: string): unknown => ({ success: false, runtime: 0, message, status });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<[number, Record<string, string>]> {
    const params = await requestParams(req, url);
    const fault = faults.pick('cincopa', method);
    if (fault) {
      const status = await applyFault(fault, res, errorBody, 403);
      if (status !== undefined) return [status, params];
    }
    if (!params.api_token || params.api_token !== apiToken) {
      sendJson(res, 403, errorBody(403, 'invalid or missing api_token'));
      return [403, params];
    }
    const handler = handlers[method];
    const started = Date.now();
    try {
      if (!handler) throw new ApiFailure(404, `unknown method ${method}`);
      const processingFault = faults.pick('cincopa', method, ['processing-stuck', 'processing-slow', 'processing-failed', 'expired-url']);
      const ctx: ApiContext = { state, fetcher, uploads, webhooks, baseUrl, account, fault: processingFault };
      const body = handler(params, ctx);
      sendJson(res, 200, { success: true, runtime: Date.now() - started, ...body });
      return [200, params];
    } catch (error) {
      const status = error instanceof ApiFailure ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (settings.failureStyle === 'success-false' && status < 500) {
        sendJson(res, 200, { success: false, runtime: Date.now() - started, message });
        return [200, params];
      }
      sendJson(res, status, errorBody(status, message));
      return [status, params];
    }
  }

  async function handleSandbox(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const what = url.pathname.slice('/_sandbox/'.length);
    if (what === 'inventory') return sendJson(res, 200, { cincopa: inventory(), ...options.extraInventory?.() }), 200;
    if (what === 'journal') {
      const service = url.searchParams.get('service') ?? undefined;
      const route = url.searchParams.get('route') ?? undefined;
      return sendJson(res, 200, journal.entries({ service: service as never, route })), 200;
    }
    if (what === 'faults') {
      if (req.method === 'GET') return sendJson(res, 200, faults.list()), 200;
      if (req.method === 'DELETE') return faults.clear(), sendJson(res, 200, { cleared: true }), 200;
      if (req.method === 'POST') {
        const body: unknown = JSON.parse((await readBody(req)).toString('utf8') || '[]');
        const rules = (Array.isArray(body) ? body : [body]).map((rule) => faultRuleSchema.parse(rule));
        return sendJson(res, 200, { ids: rules.map((rule) => faults.add(rule)) }), 200;
      }
    }
    if (what === 'settings' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Partial<typeof settings>;
      Object.assign(settings, body);
      return sendJson(res, 200, settings), 200;
    }
    return sendJson(res, 404, { error: 'unknown sandbox endpoint' }), 404;
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://cincopa');
    const apiMatch = /^\/v2\/([a-z_]+\.[a-z_]+|ping|[a-z_]+)\.json$/.exec(url.pathname);
    let work: Promise<void>;
    if (apiMatch) {
      const method = apiMatch[1]!;
      work = handleApi(req, res, url, method).then(([status, params]) => journal.record({ service: 'cincopa', method: req.method ?? 'GET', route: method, params, status, ms: Date.now() - started }));
    } else if (url.pathname === '/post.jpg' && req.method === 'POST') {
      work = (async () => {
        const fault = faults.pick('cincopa-upload', 'upload');
        let status = fault ? await applyFault(fault, res, (_status, message) => `error: ${message}`, 403) : undefined;
        if (status === undefined) status = await uploads.handle(req, res, url);
        else req.resume();
        journal.record({ service: 'cincopa-upload', method: 'POST', route: 'upload', params: { range: String(req.headers['content-range'] ?? ''), uniqueId: String(req.headers['unique-id'] ?? '') }, status, ms: Date.now() - started });
      })();
    } else if (url.pathname.startsWith('/_sandbox/')) {
      work = handleSandbox(req, res, url).then(() => undefined);
    } else {
      sendJson(res, 404, { success: false, message: 'not found' });
      work = Promise.resolve();
    }
    work.catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { success: false, message: (error as Error).message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  const url = await listen(server, options.host, options.port);
  baseUrl = url;
  return {
    url: `${url}/v2`,
    apiToken,
    state,
    options: settings,
    inventory,
    async close() {
      fetcher.close();
      webhooks.close();
      await close(server);
    },
  };
}
