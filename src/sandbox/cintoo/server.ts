// The emulated Cintoo Cloud API v2: OAuth refresh, accounts, projects, work zones, formats,
// project files, and the bulk-files sign/register pair, over a real Azurite blob storage.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { startAzurite, type Azurite } from '../azurite.ts';
import type { Faults } from '../faults.ts';
import { applyFault, close, listen, readBody, sendJson } from '../http.ts';
import type { Journal } from '../journal.ts';
import { CintooAuth } from './auth.ts';
import { checkWorkzone, fileView, register, sign, validateDeclared } from './bulkFiles.ts';
import { CintooError, unauthorized } from './errors.ts';
import { CintooState, rawId, urn } from './state.ts';

export interface CintooSandboxOptions {
  port?: number;
  azuritePort?: number;
  /** Access token lifetime; the real service gives 10,800 s. */
  accessTokenTtlSec?: number;
  /** Signed upload URL lifetime. */
  sasTtlSec?: number;
  /** Delete blobs that were signed but never registered after this long; off when null. */
  cleanupUnregisteredAfterMs?: number | null;
}

export interface CintooInventory {
  accounts: { id: string; name: string }[];
  projects: { id: string; name: string; rootWorkzoneId: string }[];
  workzones: { id: string; name: string; parentId: string | null; isDeleted: boolean }[];
  files: Record<string, unknown>[];
  blobs: { blobName: string; name: string; size: number; md5: string; registered: boolean }[];
}

export interface CintooSandbox {
  url: string;
  azuriteUrl: string;
  refreshToken: string;
  accessToken: string;
  accountId: string;
  projectId: string;
  rootWorkzoneId: string;
  state: CintooState;
  inventory(): CintooInventory;
  close(): Promise<void>;
}

export async function startCintooSandbox(options: CintooSandboxOptions, shared: { journal: Journal; faults: Faults; host: string }): Promise<CintooSandbox> {
  const { journal, faults, host } = shared;
  const state = new CintooState();
  const auth = new CintooAuth(state.userId, options.accessTokenTtlSec ?? 10_800);
  const first = auth.issue();
  const azurite: Azurite = await startAzurite(host, options.azuritePort ?? 0);
  const sasTtlSec = options.sasTtlSec ?? 3_600;

  const inventory = (): CintooInventory => ({
    accounts: [{ id: urn('account', state.account.id), name: state.account.name }],
    projects: [{ id: urn('project', state.project.id), name: state.project.name, rootWorkzoneId: urn('workzone', state.project.rootWorkzoneId) }],
    workzones: [...state.workzones.values()].map((workzone) => ({ id: urn('workzone', workzone.id), name: workzone.name, parentId: workzone.parentId && urn('workzone', workzone.parentId), isDeleted: workzone.isDeleted })),
    files: [...state.files.values()].map(fileView),
    blobs: [...state.signed.values()].map((upload) => ({ blobName: upload.blobName, name: upload.name, size: upload.size, md5: upload.md5, registered: upload.fileId !== undefined })),
  });

  const workzoneView = (id: string): Record<string, unknown> => {
    const workzone = state.workzones.get(id)!;
    return { id: urn('workzone', workzone.id), name: workzone.name, description: workzone.description, parentId: workzone.parentId && urn('workzone', workzone.parentId), rootWorkzoneId: urn('workzone', workzone.rootWorkzoneId), modificationInfo: { isDeleted: workzone.isDeleted } };
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, name: string, parts: string[]): Promise<number> {
    const method = req.method ?? 'GET';
    if (name === 'POST /oauth/token') {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      const pair = form.get('grant_type') === 'refresh_token' ? auth.refresh(form.get('refresh_token') ?? '') : undefined;
      if (!pair) throw unauthorized();
      return sendJson(res, 200, pair), 200;
    }
    if (!auth.verify(req.headers.authorization)) throw unauthorized();
    if (name === 'GET isLogged') return sendJson(res, 200, { success: true }), 200;
    if (name === 'GET formats') return sendJson(res, 200, state.formats), 200;
    if (name === 'GET accounts') return sendJson(res, 200, [{ id: urn('account', state.account.id), name: state.account.name, regions: [{ id: 'eu-1', provider: 'azure', name: 'Europe' }] }]), 200;
    const [, , , accountRef, , projectRef, , workzoneRef] = parts; // api 2 accounts {a} projects {p} workzones {wz}
    if (rawId(accountRef ?? '') !== state.account.id) throw new CintooError(404, 'Not Found', 'account-not-found', { accountId: accountRef });
    if (name === 'GET projects') {
      return sendJson(res, 200, [{ id: urn('project', state.project.id), name: state.project.name, rootWorkzoneId: urn('workzone', state.project.rootWorkzoneId), region: 'eu-1', modificationInfo: { isDeleted: false } }]), 200;
    }
    if (rawId(projectRef ?? '') !== state.project.id) throw new CintooError(404, 'Not Found', 'project-not-found', { projectId: projectRef });
    if (name === 'GET workzones') return sendJson(res, 200, [...state.workzones.keys()].map(workzoneView)), 200;
    if (name === 'POST workzones') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { name?: unknown; parentWorkzoneId?: unknown; description?: unknown };
      if (typeof body.name !== 'string' || body.name === '') throw new CintooError(400, 'Bad Request', 'invalid-input', { field: 'name' });
      const parent = checkWorkzone(state, state.project.id, String(body.parentWorkzoneId ?? state.project.rootWorkzoneId));
      const created = state.createWorkzone(state.project.id, body.name, parent.id, typeof body.description === 'string' ? body.description : '');
      return sendJson(res, 201, workzoneView(created.id)), 201;
    }
    if (name === 'GET files') {
      const categories = url.searchParams.get('category')?.split(',');
      const files = [...state.files.values()].filter((file) => !categories || categories.includes(file.category));
      return sendJson(res, 200, files.map(fileView)), 200;
    }
    if (name === 'POST bulk-files' || name === 'PUT bulk-files') {
      const workzone = checkWorkzone(state, state.project.id, workzoneRef ?? '');
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, 16 * 1024 * 1024)).toString('utf8'));
      } catch {
        throw new CintooError(400, 'Bad Request', 'invalid-input', { field: '(body)', reason: 'not JSON' });
      }
      const files = validateDeclared(state, body);
      if (method === 'POST') {
        const expired = faults.pick('cintoo', name, ['expired-url']);
        return sendJson(res, 200, sign(state, azurite, workzone, files, expired ? -60 : sasTtlSec)), 200;
      }
      return sendJson(res, 200, await register(state, azurite, workzone, files)), 200;
    }
    throw new CintooError(404, 'Not Found', 'not-found');
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://cintoo');
    const name = routeName(req.method ?? 'GET', url.pathname);
    const parts = url.pathname.split('/').filter(Boolean);
    void (async () => {
      let status: number;
      if (url.pathname === '/_sandbox/inventory') {
        sendJson(res, 200, inventory());
        return;
      }
      const fault = faults.pick('cintoo', name);
      const faultStatus = fault ? await applyFault(fault, res, (code, message) => ({ status: code, title: message, errorCode: code === 401 ? 'unauthorized' : 'injected' }), 401) : undefined;
      if (faultStatus !== undefined) status = faultStatus;
      else {
        try {
          status = await route(req, res, url, name, parts);
        } catch (error) {
          const failure = error instanceof CintooError ? error : new CintooError(500, 'Internal Server Error', 'internal', { detail: (error as Error).message });
          if (!res.headersSent) sendJson(res, failure.status, failure.body());
          status = failure.status;
        }
      }
      journal.record({ service: 'cintoo', method: req.method ?? 'GET', route: name, params: Object.fromEntries(url.searchParams), status, ms: Date.now() - started });
    })();
  });
  const url = await listen(server, host, options.port ?? 0);

  let cleanup: NodeJS.Timeout | undefined;
  const maxAge = options.cleanupUnregisteredAfterMs;
  if (maxAge !== undefined && maxAge !== null) {
    cleanup = setInterval(() => {
      for (const upload of state.signed.values()) {
        if (!upload.fileId && Date.now() - upload.signedAt > maxAge) {
          state.signed.delete(upload.blobName);
          void azurite.deleteBlob(upload.blobName);
        }
      }
    }, Math.max(50, Math.min(maxAge, 5_000)));
    cleanup.unref();
  }

  return {
    url,
    azuriteUrl: azurite.url,
    refreshToken: first.refresh_token,
    accessToken: first.access_token,
    accountId: urn('account', state.account.id),
    projectId: urn('project', state.project.id),
    rootWorkzoneId: urn('workzone', state.project.rootWorkzoneId),
    state,
    inventory,
    async close() {
      if (cleanup) clearInterval(cleanup);
      await close(server);
      await azurite.close();
    },
  };
}

/** Stable route names for the journal and fault rules. */
function routeName(method: string, pathname: string): string {
  if (pathname === '/oauth/token') return `${method} /oauth/token`;
  if (pathname === '/api/isLogged') return `${method} isLogged`;
  if (pathname === '/api/2/values/formats') return `${method} formats`;
  const last = /\/(accounts|projects|workzones|files|bulk-files)\/?$/.exec(pathname)?.[1];
  return last ? `${method} ${last}` : `${method} ${pathname}`;
}
