// The emulated Cincopa: REST API v2 under /v2/<method>.json (GET or POST), the direct upload
// endpoint /post.jpg, and the sandbox's own /_sandbox/ inventory, journal, fault and settings
// controls. Every request runs the same gauntlet a real front end and platform would put it
// through: URL length, body size, injected faults, the token, the method, then maybe a lost answer.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { applyFaults, BodyTooLargeError, close, listen, readBody, requestParams, sendJson, sendText, type ErrorBody } from '../http.ts';
import { faultRuleSchema, type FaultKind, type Faults } from '../faults.ts';
import type { Journal, SandboxService } from '../journal.ts';
import { ApiFailure, type ApiContext } from './api.ts';
import { authMessage, uploadFaultText } from './dialect.ts';
import { Fetcher } from './fetcher.ts';
import { emptyInventory, takeInventory, type CincopaInventory } from './inventory.ts';
import { handlers } from './methods.ts';
import { CincopaSettingsStore, type CincopaSettings, type CincopaSettingsInput } from './settings.ts';
import { CincopaState } from './state.ts';
import { DirectUploads } from './upload.ts';
import { WebhookDispatcher } from './webhooks.ts';

export { emptyInventory, type CincopaInventory };
export type { InventoryAsset, InventoryGallery } from './inventory.ts';

export interface CincopaSandboxOptions {
  host: string;
  port: number;
  apiToken?: string;
  /** Dialect and knobs (settings.ts); changeable later with POST /_sandbox/settings. */
  settings?: CincopaSettingsInput;
  journal: Journal;
  faults: Faults;
  /** Extra inventory merged into GET /_sandbox/inventory (e.g. Cintoo's). */
  extraInventory?: () => Record<string, unknown>;
}

export interface CincopaSandbox {
  url: string;
  apiToken: string;
  state: CincopaState;
  /** The live settings (the same object the emulator reads on every request). */
  settings: CincopaSettings;
  /** Validates and applies a partial settings change; returns the new settings. */
  configure(patch: CincopaSettingsInput): CincopaSettings;
  inventory(): CincopaInventory;
  close(): Promise<void>;
}

const API_PATH = /^\/v2\/([a-z_]+(?:\.[a-z_]+)?)\.json$/;

/** Node refuses longer request heads itself (431, unjournalled); the configured limit sits far below. */
const NODE_MAX_HEADER_BYTES = 4 * 1024 * 1024;

/** Faults that shape a method's outcome instead of its HTTP exchange, by method. */
const OUTCOME_FAULTS: Record<string, readonly FaultKind[]> = {
  'asset.upload_from_url': ['processing-stuck', 'processing-slow', 'processing-failed', 'processing-no-id'],
  'asset.get_upload_url': ['expired-url'],
};

interface Answered {
  status: number;
  params: Record<string, string>;
  fault?: string;
}

/** A ready answer, sent unless a 'lost-response' fault drops it. */
interface Reply {
  status: number;
  body: unknown;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

/** What a front end (nginx, Node) answers before the platform sees a request: HTML, not JSON. */
function sendFrontEndError(res: ServerResponse, status: number, reason: string): number {
  res.writeHead(status, { 'content-type': 'text/html', connection: 'close' });
  res.end(`<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>\n`);
  return status;
}

export async function startCincopaSandbox(options: CincopaSandboxOptions): Promise<CincopaSandbox> {
  const apiToken = options.apiToken ?? `sandbox-${randomBytes(12).toString('hex')}`;
  const store = new CincopaSettingsStore(options.settings);
  const settings = store.current;
  const state = new CincopaState();
  const webhooks = new WebhookDispatcher(state);
  const fetcher = new Fetcher(state, webhooks, () => settings.processingMs);
  const account = { accid: '4711', accemail: 'sandbox@ferry.local', userid: '815' };
  const uploads = new DirectUploads(state, webhooks, account.accid, settings);
  const { journal, faults } = options;
  let baseUrl = '';
  let authTurn = 0;

  const inventory = (): CincopaInventory => takeInventory(state, journal, webhooks.delivered);

  const errorBody: ErrorBody = (status, message, kind) =>
    kind === 'auth' ? { success: false, runtime: 0, message: authMessage(settings.dialect, true, authTurn++) } : { success: false, runtime: 0, message, status };

  /** The answer to one API call, fault-free: token check, then the method. */
  function serve(params: Record<string, string>, method: string, fault: ApiContext['fault']): Reply {
    const started = Date.now();
    if (!params.api_token || params.api_token !== apiToken) {
      const message = authMessage(settings.dialect, false, authTurn++);
      return settings.authStyle === 'http' ? { status: 403, body: { success: false, runtime: 0, message, status: 403 } } : { status: 200, body: { success: false, runtime: 0, message } };
    }
    try {
      const handler = handlers[method];
      if (!handler) throw new ApiFailure(404, `unknown method ${method}`);
      const body = handler(params, { state, fetcher, uploads, webhooks, settings, baseUrl, account, fault });
      return { status: 200, body: { success: true, runtime: Date.now() - started, ...body } };
    } catch (error) {
      const status = error instanceof ApiFailure ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (settings.failureStyle === 'success-false' && status < 500) return { status: 200, body: { success: false, runtime: Date.now() - started, message } };
      return { status, body: errorBody(status, message, 'status') };
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<Answered> {
    let params: Record<string, string>;
    try {
      params = await requestParams(req, url, settings.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return { status: sendFrontEndError(res, 413, 'Request Entity Too Large'), params: {} };
      sendJson(res, 400, { success: false, runtime: 0, message: 'the request body cannot be read' });
      return { status: 400, params: {} };
    }
    const { status: faulted, fault } = await applyFaults(faults, 'cincopa', method, req, res, errorBody, 403, settings.authStyle === 'success-false');
    if (faulted !== undefined) return { status: faulted, params, fault };
    const kinds = OUTCOME_FAULTS[method];
    const outcomeFault = kinds ? faults.pick('cincopa', method, kinds) : undefined;
    const reply = serve(params, method, outcomeFault);
    if (faults.pick('cincopa', method, ['lost-response'])) {
      res.socket?.destroy(); // carried out (or refused), but the client never hears of it
      return { status: 0, params, fault: 'lost-response' };
    }
    sendJson(res, reply.status, reply.body);
    return { status: reply.status, params, fault: outcomeFault ? outcomeFault.kind : fault };
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<Answered> {
    const params: Record<string, string> = { range: String(req.headers['content-range'] ?? ''), uniqueId: String(req.headers['unique-id'] ?? '') };
    const faultText: ErrorBody = (_status, message, kind) => uploadFaultText(settings.dialect, message, kind);
    const { status: faulted, fault } = await applyFaults(faults, 'cincopa-upload', 'upload', req, res, faultText, 403, settings.authStyle === 'success-false');
    if (faulted !== undefined) return { status: faulted, params, fault };
    const answer = await uploads.handle(req, url);
    if (!answer) return { status: 0, params, fault: fault ?? 'client-gone' };
    if (answer.refused) params.refused = answer.refused;
    if (faults.pick('cincopa-upload', 'upload', ['lost-response'])) {
      res.socket?.destroy(); // the chunk was taken (or refused); the answer never arrives
      return { status: 0, params, fault: 'lost-response' };
    }
    sendText(res, answer.status, answer.text);
    return { status: answer.status, params, fault };
  }

  async function handleSandbox(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const what = url.pathname.slice('/_sandbox/'.length);
    if (what === 'inventory' && req.method === 'GET') return sendJson(res, 200, { cincopa: inventory(), ...options.extraInventory?.() });
    if (what === 'journal' && req.method === 'GET') {
      const service = url.searchParams.get('service') || undefined;
      const route = url.searchParams.get('route') || undefined;
      return sendJson(res, 200, journal.entries({ service: service as SandboxService | undefined, route }));
    }
    if (what === 'faults') {
      if (req.method === 'GET') return sendJson(res, 200, faults.list());
      if (req.method === 'DELETE') return faults.clear(), sendJson(res, 200, { cleared: true });
      if (req.method === 'POST') {
        const body = parseJson(await readBody(req));
        const list = Array.isArray(body) ? body : [body];
        const parsed = list.map((rule) => faultRuleSchema.safeParse(rule));
        const bad = parsed.findIndex((result) => !result.success);
        if (body === undefined || bad >= 0) return sendJson(res, 400, { error: `rule ${Math.max(bad, 0)} is not a fault rule`, issues: bad >= 0 ? parsed[bad]!.error?.issues : [] });
        return sendJson(res, 200, { ids: parsed.map((result) => faults.add(result.data!)) });
      }
    }
    if (what === 'settings') {
      if (req.method === 'GET') return sendJson(res, 200, settings);
      if (req.method === 'POST') {
        try {
          return sendJson(res, 200, store.update(parseJson(await readBody(req)) ?? {}));
        } catch (error) {
          const issues = error instanceof z.ZodError ? error.issues : [];
          return sendJson(res, 400, { error: `not a settings change: ${issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ')}`, issues });
        }
      }
    }
    sendJson(res, 404, { error: 'unknown sandbox endpoint: use GET inventory, GET journal, GET/POST/DELETE faults, GET/POST settings' });
  }

  const server = createServer({ maxHeaderSize: NODE_MAX_HEADER_BYTES }, (req, res) => {
    const started = Date.now();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://cincopa');
    const apiMatch = API_PATH.exec(url.pathname);
    const isUpload = url.pathname === '/post.jpg' && req.method === 'POST';
    const [service, route]: [SandboxService, string] = apiMatch ? ['cincopa', apiMatch[1]!] : ['cincopa-upload', 'upload'];
    let work: Promise<void>;
    if ((apiMatch || isUpload) && Buffer.byteLength(rawUrl) > settings.maxUrlBytes) {
      // A front end's limit, before faults, token or method: the request never reaches Cincopa.
      req.resume();
      const status = sendFrontEndError(res, settings.urlTooLongStatus, settings.urlTooLongStatus === 414 ? 'Request-URI Too Large' : 'Request Header Fields Too Large');
      record(service, req.method ?? 'GET', route, { status, params: { url_bytes: String(Buffer.byteLength(rawUrl)) } }, started);
      return;
    }
    if (apiMatch) work = handleApi(req, res, url, route).then((done) => record(service, req.method ?? 'GET', route, done, started));
    else if (isUpload) work = handleUpload(req, res, url).then((done) => record(service, 'POST', route, done, started));
    else if (url.pathname.startsWith('/_sandbox/')) work = handleSandbox(req, res, url);
    else {
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
    settings,
    configure: (patch) => store.update(patch),
    inventory,
    async close() {
      fetcher.close();
      webhooks.close();
      await close(server);
    },
  };
}
