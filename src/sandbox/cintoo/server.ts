// The emulated Cintoo Cloud API v2 (OAuth refresh, accounts, projects, work zones, formats,
// project files, blob downloads, and the bulk-files sign/register pair) over a real Azurite blob
// storage that clients reach through a streaming proxy. Faults, the journal and the inventory
// are shared with the rest of the sandbox.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAzurite, type Azurite, type BlobProperties } from '../azurite.ts';
import { DEFAULT_STALL_MS, type Faults } from '../faults.ts';
import { applyFaults, close, listen, sendJson } from '../http.ts';
import type { Journal } from '../journal.ts';
import { startStorageProxy, type StorageProxy } from '../storageProxy.ts';
import { CintooAuth, type TokenPair } from './auth.ts';
import { handleControl } from './control.ts';
import { CintooError, errorBody } from './errors.ts';
import { buildInventory, type CintooInventory } from './inventory.ts';
import { cintooSettingsSchema, type CintooSandboxOptions, type CintooSettings } from './options.ts';
import { urn } from './refs.ts';
import { matchRoute, type ApiContext, type MatchedRoute, type Reply } from './routes.ts';
import { CintooState } from './state.ts';

export type { CintooSandboxOptions, CintooSettings } from './options.ts';
export type { CintooInventory, InventoryBlob, InventoryFile } from './inventory.ts';
export type { TokenPair } from './auth.ts';

export interface CintooSandbox {
  /** The API base, e.g. http://127.0.0.1:4712 (paths /oauth/token, /api/...). */
  url: string;
  /** The storage endpoint signed URLs point at (the proxy in front of Azurite), …/devstoreaccount1. */
  azuriteUrl: string;
  /** Azurite itself, without faults or journal (for reference tools in benchmarks). */
  azuriteDirectUrl: string;
  /** The blob container signed URLs point into. */
  container: string;
  refreshToken: string;
  accessToken: string;
  accountId: string;
  projectId: string;
  rootWorkzoneId: string;
  /** The live settings (options.ts); change them to switch behaviours mid-test. */
  settings: CintooSettings;
  state: CintooState;
  inventory(): CintooInventory;
  /** A fresh token pair, as a person logging in again in a browser would get. */
  login(): TokenPair;
  /** Properties of the committed blob under this name (size, MD5), or undefined. */
  blobProperties(blobName: string): Promise<BlobProperties | undefined>;
  close(): Promise<void>;
}

export async function startCintooSandbox(options: CintooSandboxOptions, shared: { journal: Journal; faults: Faults; host: string }): Promise<CintooSandbox> {
  const { journal, faults, host } = shared;
  const { port, azuritePort, ...rest } = options;
  const settings: CintooSettings = cintooSettingsSchema.parse(rest);
  const state = new CintooState();
  const auth = new CintooAuth(state.userId, settings);
  const first = auth.issue();
  const azurite: Azurite = await startAzurite({ host, port: 0, storageDir: settings.storageDir });
  let proxy: StorageProxy;
  try {
    proxy = await startStorageProxy({ host, port: azuritePort ?? 0, upstream: azurite.url, journal, faults });
  } catch (error) {
    await azurite.close();
    throw error;
  }
  const inventory = (): CintooInventory => buildInventory(state, proxy.meter);
  const ctx: ApiContext = { state, auth, settings, azurite, faults, storageUrl: proxy.url, baseUrl: '' };

  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://cintoo');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/_sandbox/')) {
      handleControl({ journal, faults, settings, auth, inventory }, req, res, url).catch(() => res.destroy());
      return;
    }
    const route = matchRoute(method, url.pathname);
    serve(req, res, url, route)
      .then(({ status, fault, note }) => {
        journal.record({ service: 'cintoo', method, route: route.name, params: { path: url.pathname, ...Object.fromEntries(url.searchParams), ...note }, status, ...(fault ? { fault } : {}), ms: Date.now() - started });
      })
      .catch(() => res.destroy());
  });

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL, route: MatchedRoute): Promise<{ status: number; fault?: string; note?: Record<string, string> }> {
    const injected = await applyFaults(faults, 'cintoo', route.name, req, res, (status, message) => errorBody(status, status === 401 ? { errorCode: 'unauthorized', detail: message } : { detail: message }), 401);
    if (injected.status !== undefined) return { status: injected.status, fault: injected.fault };
    let reply: Reply;
    try {
      if (!route.handle) throw new CintooError(404, undefined, { detail: `no route ${route.name}` });
      reply = await route.handle(ctx, req, url);
    } catch (error) {
      const failure = error instanceof CintooError ? error : new CintooError(500, undefined, { detail: (error as Error).message });
      if (!res.headersSent) sendJson(res, failure.status, failure.body());
      return { status: failure.status, fault: injected.fault };
    }
    let fault = [injected.fault, reply.fault].filter(Boolean).join('+') || undefined;
    const stall = faults.pick('cintoo', route.name, ['stall']);
    if (stall) {
      // Done, but the answer comes late: a client that gives up first cannot know it was done.
      fault = fault ? `${fault}+stall` : 'stall';
      let hungUp = false;
      res.once('close', () => (hungUp = true));
      // Unref'd: a stall must not keep a closed sandbox's process alive.
      await sleep(stall.stallMs ?? DEFAULT_STALL_MS, undefined, { ref: false });
      if (hungUp) return { status: 0, fault, note: reply.note };
    }
    if (faults.pick('cintoo', route.name, ['lost-response'])) {
      // Carried out, but the client never hears of it: the ambiguous outcome.
      res.socket?.destroy();
      return { status: 0, fault: fault ? `${fault}+lost-response` : 'lost-response', note: reply.note };
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, reply.headers);
      res.end();
    } else sendJson(res, reply.status, reply.body, reply.headers);
    return { status: reply.status, fault, note: reply.note };
  }

  let url: string;
  try {
    url = await listen(server, host, port ?? 0);
  } catch (error) {
    await proxy.close();
    await azurite.close();
    throw error;
  }
  ctx.baseUrl = url;

  let cleanup: NodeJS.Timeout | undefined;
  const maxAge = settings.cleanupUnregisteredAfterMs;
  if (maxAge !== null) {
    // Cintoo's background clean-up of uploads nobody registered.
    cleanup = setInterval(() => {
      for (const upload of state.signed.values()) {
        if (upload.fileIds.length === 0 && Date.now() - upload.signedAt > maxAge) {
          state.signed.delete(upload.blobName);
          void azurite.deleteBlob(upload.blobName);
        }
      }
    }, Math.max(50, Math.min(maxAge, 5_000)));
    cleanup.unref();
  }

  return {
    url,
    azuriteUrl: proxy.url,
    azuriteDirectUrl: azurite.url,
    container: azurite.container,
    refreshToken: first.refresh_token,
    accessToken: first.access_token,
    accountId: urn('account', state.account.id),
    projectId: urn('project', state.project.id),
    rootWorkzoneId: urn('workzone', state.project.rootWorkzoneId),
    settings,
    state,
    inventory,
    login: () => auth.issue(),
    blobProperties: (blobName) => azurite.properties(blobName),
    async close() {
      if (cleanup) clearInterval(cleanup);
      await close(server);
      await proxy.close();
      await azurite.close();
    },
  };
}
