// The emulated Cincopa: REST API v2 under /v2/<method>.json (GET or POST), the direct upload
// endpoint /post.jpg, and the sandbox's own /_sandbox/ inventory, journal and fault controls.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { applyFaults, close, listen, readBody, requestParams, sendJson } from '../http.ts';
import { faultRuleSchema, type FaultKind, type Faults } from '../faults.ts';
import type { Journal, SandboxService } from '../journal.ts';
import { ApiFailure, handlers, type ApiContext } from './api.ts';
import { Fetcher } from './fetcher.ts';
import { CincopaState, type Asset } from './state.ts';
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

/** An asset as the inventory shows it: Cincopa's field names plus `size`/`createdAt` aliases. */
export type InventoryAsset = Asset & { size: number; createdAt: string };

export interface CincopaInventory {
  assets: InventoryAsset[];
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

const API_PATH = /^\/v2\/([a-z_]+(?:\.[a-z_]+)?)\.json$/;

/** Faults that shape a method's outcome instead of its HTTP exchange, by method. */
const OUTCOME_FAULTS: Record<string, readonly FaultKind[]> = {
  'asset.upload_from_url': ['processing-stuck', 'processing-slow', 'processing-failed'],
  'asset.get_upload_url': ['expired-url'],
};

interface Answered {
  status: number;
  params: Record<string, string>;
  fault?: string;
}

function answer(res: ServerResponse, status: number, body: unknown): number {
  sendJson(res, status, body);
  return status;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

export async function startCincopaSandbox(options: CincopaSandboxOptions): Promise<CincopaSandbox> {
  const apiToken = options.apiToken ?? `sandbox-${randomBytes(12).toString('hex')}`;
  const settings = { processingMs: options.processingMs ?? 300, failureStyle: options.failureStyle ?? ('http' as const) };
  const state = new CincopaState();
  const webhooks = new WebhookDispatcher(state);
  const fetcher = new Fetcher(state, webhooks, () => settings.processingMs);
  const account = { accid: '4711', accemail: 'sandbox@ferry.local', userid: '815' };
  const uploads = new DirectUploads(state, webhooks, account.accid, () => settings.failureStyle);
  const { journal, faults } = options;
  let baseUrl = '';

  const inventory = (): CincopaInventory => ({
    assets: [...state.assets.values()].map((asset) => ({ ...asset, tags: [...asset.tags], size: asset.filesize, createdAt: asset.uploaded })),
    galleries: [...state.galleries.values()].map((gallery) => ({ ...gallery, members: [...gallery.members] })),
    webhooks: [...state.webhooks.values()].map(({ hook_url, events }) => ({ hook_url, events })),
    webhookDeliveries: webhooks.delivered,
  });

  const errorBody = (status: number, message: string): unknown => ({ success: false, runtime: 0, message, status });

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<Answered> {
    const params = await requestParams(req, url);
    const { status: faulted, fault } = await applyFaults(faults, 'cincopa', method, req, res, errorBody, 403);
    if (faulted !== undefined) return { status: faulted, params, fault };
    if (!params.api_token || params.api_token !== apiToken) {
      // 403 in both failure styles: that much is known of the real platform.
      sendJson(res, 403, errorBody(403, 'invalid or missing api_token'));
      return { status: 403, params, fault };
    }
    const handler = handlers[method];
    const started = Date.now();
    try {
      if (!handler) throw new ApiFailure(404, `unknown method ${method}`);
      const kinds = OUTCOME_FAULTS[method];
      const outcomeFault = kinds ? faults.pick('cincopa', method, kinds) : undefined;
      const ctx: ApiContext = { state, fetcher, uploads, webhooks, baseUrl, account, fault: outcomeFault };
      const body = handler(params, ctx);
      if (faults.pick('cincopa', method, ['lost-response'])) {
        res.socket?.destroy(); // done, but the client never hears of it
        return { status: 0, params, fault: 'lost-response' };
      }
      sendJson(res, 200, { success: true, runtime: Date.now() - started, ...body });
      return { status: 200, params, fault: outcomeFault ? outcomeFault.kind : fault };
    } catch (error) {
      const status = error instanceof ApiFailure ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (settings.failureStyle === 'success-false' && status < 500) {
        sendJson(res, 200, { success: false, runtime: Date.now() - started, message });
        return { status: 200, params, fault };
      }
      sendJson(res, status, errorBody(status, message));
      return { status, params, fault };
    }
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<Answered> {
    const params = { range: String(req.headers['content-range'] ?? ''), uniqueId: String(req.headers['unique-id'] ?? '') };
    const { status: faulted, fault } = await applyFaults(faults, 'cincopa-upload', 'upload', req, res, (_status, message) => `error: ${message}`, 403);
    if (faulted !== undefined) return { status: faulted, params, fault };
    return { status: await uploads.handle(req, res, url), params, fault };
  }

  async function handleSandbox(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const what = url.pathname.slice('/_sandbox/'.length);
    if (what === 'inventory' && req.method === 'GET') return answer(res, 200, { cincopa: inventory(), ...options.extraInventory?.() });
    if (what === 'journal' && req.method === 'GET') {
      const service = url.searchParams.get('service') || undefined;
      const route = url.searchParams.get('route') || undefined;
      return answer(res, 200, journal.entries({ service: service as SandboxService | undefined, route }));
    }
    if (what === 'faults') {
      if (req.method === 'GET') return answer(res, 200, faults.list());
      if (req.method === 'DELETE') return faults.clear(), answer(res, 200, { cleared: true });
      if (req.method === 'POST') {
        const body = parseJson(await readBody(req));
        const list = Array.isArray(body) ? body : [body];
        const parsed = list.map((rule) => faultRuleSchema.safeParse(rule));
        const bad = parsed.findIndex((result) => !result.success);
        if (body === undefined || bad >= 0) return answer(res, 400, { error: `rule ${Math.max(bad, 0)} is not a fault rule`, issues: bad >= 0 ? parsed[bad]!.error?.issues : [] });
        return answer(res, 200, { ids: parsed.map((result) => faults.add(result.data!)) });
      }
    }
    if (what === 'settings' && req.method === 'POST') {
      const body = parseJson(await readBody(req)) as { processingMs?: unknown; failureStyle?: unknown } | undefined;
      if (typeof body?.processingMs === 'number' && body.processingMs >= 0) settings.processingMs = body.processingMs;
      if (body?.failureStyle === 'http' || body?.failureStyle === 'success-false') settings.failureStyle = body.failureStyle;
      return answer(res, 200, settings);
    }
    return answer(res, 404, { error: 'unknown sandbox endpoint: use GET inventory, GET journal, GET/POST/DELETE faults, POST settings' });
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://cincopa');
    const apiMatch = API_PATH.exec(url.pathname);
    let work: Promise<void>;
    if (apiMatch) {
      const method = apiMatch[1]!;
      work = handleApi(req, res, url, method).then((done) => record('cincopa', req.method ?? 'GET', method, done, started));
    } else if (url.pathname === '/post.jpg' && req.method === 'POST') {
      work = handleUpload(req, res, url).then((done) => record('cincopa-upload', 'POST', 'upload', done, started));
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

  function record(service: SandboxService, method: string, route: string, done: Answered, started: number): void {
    journal.record({ service, method, route, params: done.params, status: done.status, ...(done.fault ? { fault: done.fault } : {}), ms: Date.now() - started });
  }

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
