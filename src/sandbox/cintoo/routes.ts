// The emulated Cintoo Cloud API v2, one handler per route. Handlers return what to answer; the
// server (server.ts) sends it, or drops it when a 'lost-response' fault says so.

import type { IncomingMessage } from 'node:http';
import type { Azurite } from '../azurite.ts';
import type { Faults } from '../faults.ts';
import { readBody } from '../http.ts';
import type { CintooAuth } from './auth.ts';
import { register, sign, validateDeclared, type SignContext } from './bulkFiles.ts';
import { deletedElement, invalidInput, notFound, unauthorized } from './errors.ts';
import { FORMATS, isCategory } from './formats.ts';
import type { CintooSettings } from './options.ts';
import { rawId } from './refs.ts';
import type { CintooState, Project, Workzone } from './state.ts';
import { accountView, fileView, projectView, workzoneView, type ViewContext } from './views.ts';

export interface ApiContext extends ViewContext, SignContext {
  state: CintooState;
  auth: CintooAuth;
  settings: CintooSettings;
  azurite: Azurite;
  faults: Faults;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Extra journal params (e.g. how many files a bulk-files call carried). */
  note?: Record<string, string>;
  /** An outcome fault this handler applied, for the journal. */
  fault?: string;
}

interface Call {
  req: IncomingMessage;
  url: URL;
  refs: Record<string, string>;
}

type Handler = (ctx: ApiContext, call: Call) => Promise<Reply> | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  /** The stable name journal entries and fault rules use. */
  name: string;
  handler: Handler;
}

const PROJECT = '^/api/2/accounts/(?<account>[^/]+)/projects/(?<project>[^/]+)';

const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/oauth\/token\/?$/, name: 'POST /oauth/token', handler: token },
  { method: 'GET', pattern: /^\/api\/isLogged\/?$/, name: 'GET isLogged', handler: () => ({ status: 200, body: { success: true } }) },
  { method: 'GET', pattern: /^\/api\/2\/values\/formats\/?$/, name: 'GET formats', handler: () => ({ status: 200, body: FORMATS }) },
  { method: 'GET', pattern: /^\/api\/2\/accounts\/?$/, name: 'GET accounts', handler: (ctx) => ({ status: 200, body: [accountView(ctx)] }) },
  { method: 'GET', pattern: /^\/api\/2\/accounts\/(?<account>[^/]+)\/?$/, name: 'GET account', handler: getAccount },
  { method: 'GET', pattern: /^\/api\/2\/accounts\/(?<account>[^/]+)\/projects\/?$/, name: 'GET projects', handler: listProjects },
  { method: 'GET', pattern: new RegExp(`${PROJECT}/?$`), name: 'GET project', handler: getProject },
  { method: 'GET', pattern: new RegExp(`${PROJECT}/workzones/?$`), name: 'GET workzones', handler: listWorkzones },
  { method: 'POST', pattern: new RegExp(`${PROJECT}/workzones/?$`), name: 'POST workzones', handler: createWorkzone },
  { method: 'GET', pattern: new RegExp(`${PROJECT}/files/?$`), name: 'GET files', handler: listFiles },
  { method: 'GET', pattern: new RegExp(`${PROJECT}/blobs/(?<blob>[^/]+)$`), name: 'GET blob', handler: downloadBlob },
  { method: 'POST', pattern: new RegExp(`${PROJECT}/workzones/(?<workzone>[^/]+)/bulk-files/?$`), name: 'POST bulk-files', handler: signFiles },
  { method: 'PUT', pattern: new RegExp(`${PROJECT}/workzones/(?<workzone>[^/]+)/bulk-files/?$`), name: 'PUT bulk-files', handler: registerFiles },
];

export interface MatchedRoute {
  name: string;
  /** Undefined when nothing matches: the server answers 404. */
  handle?: (ctx: ApiContext, req: IncomingMessage, url: URL) => Promise<Reply>;
}

export function matchRoute(method: string, pathname: string): MatchedRoute {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const refs: Record<string, string> = {};
    for (const [key, value] of Object.entries(match.groups ?? {})) refs[key] = safeDecode(value);
    return {
      name: route.name,
      handle: async (ctx, req, url) => {
        // Every route but the token endpoint needs a valid access token.
        if (route.name !== 'POST /oauth/token' && !ctx.auth.verify(req.headers.authorization)) throw unauthorized();
        return route.handler(ctx, { req, url, refs });
      },
    };
  }
  return { name: `${method} ${pathname}` };
}

async function token(ctx: ApiContext, { req }: Call): Promise<Reply> {
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  const grant = form.get('grant_type');
  if (grant !== 'refresh_token') throw invalidInput(`grant_type must be refresh_token (the first pair comes from the browser flow), got ${grant ?? 'none'}`, { field: 'grant_type' });
  const pair = ctx.auth.refresh(form.get('refresh_token') ?? '');
  if (!pair) throw unauthorized();
  return { status: 200, body: pair };
}

function getAccount(ctx: ApiContext, { refs }: Call): Reply {
  checkAccount(ctx, refs.account!);
  return { status: 200, body: accountView(ctx) };
}

function listProjects(ctx: ApiContext, { refs, url }: Call): Reply {
  checkAccount(ctx, refs.account!);
  // Deleted projects are listed too: a client has to look at modificationInfo.isDeleted.
  return { status: 200, body: [...ctx.state.projects.values()].map((project) => projectView(ctx, project, statCounts(url))) };
}

function getProject(ctx: ApiContext, { refs, url }: Call): Reply {
  return { status: 200, body: projectView(ctx, findProject(ctx, refs), statCounts(url)) };
}

function listWorkzones(ctx: ApiContext, { refs }: Call): Reply {
  const project = findProject(ctx, refs);
  return { status: 200, body: [...ctx.state.workzones.values()].filter((zone) => zone.projectId === project.id).map((zone) => workzoneView(ctx, zone)) };
}

async function createWorkzone(ctx: ApiContext, { req, refs }: Call): Promise<Reply> {
  const project = writableProject(ctx, refs);
  const body = await jsonBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidInput('a JSON object {name, parentWorkzoneId, description?} is required', { field: '(body)' });
  const { name, parentWorkzoneId, description, coverUrl } = body as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255) throw invalidInput('name: 1 to 255 characters', { field: 'name' });
  // Required by the provider's schema: no default to the root work zone.
  if (typeof parentWorkzoneId !== 'string' || parentWorkzoneId === '') throw invalidInput('parentWorkzoneId is required', { field: 'parentWorkzoneId' });
  if (description !== undefined && typeof description !== 'string') throw invalidInput('description: a string', { field: 'description' });
  if (coverUrl !== undefined && typeof coverUrl !== 'string') throw invalidInput('coverUrl: a string', { field: 'coverUrl' });
  const parent = writableWorkzone(ctx, project, parentWorkzoneId);
  // Sibling names are not unique on Cintoo: a client must look before it creates.
  const created = ctx.state.createWorkzone(project.id, name, parent.id, description ?? '', coverUrl);
  return { status: 201, body: workzoneView(ctx, created), note: { name } };
}

function listFiles(ctx: ApiContext, { refs, url }: Call): Reply {
  const project = findProject(ctx, refs);
  const given = url.searchParams.getAll('category');
  let wanted: Set<string> | undefined;
  if (given.length > 0) {
    // Comma-separated and case-sensitive; an empty parameter lists nothing; one unknown → 400.
    const categories = given.flatMap((value) => value.split(',')).filter((value) => value !== '');
    const unknown = categories.find((category) => !isCategory(category));
    if (unknown !== undefined) throw invalidInput(`unknown file category "${unknown}"`, { category: unknown });
    wanted = new Set(categories);
  }
  const files = [...ctx.state.files.values()].filter((file) => file.projectId === project.id && (!wanted || wanted.has(file.category)));
  return { status: 200, body: files.map((file) => fileView(ctx, file)) };
}

/** A file's `url`: a redirect to a short-lived read URL on storage (3 h, as Cintoo's are). */
function downloadBlob(ctx: ApiContext, { refs }: Call): Reply {
  const project = findProject(ctx, refs);
  const blobName = refs.blob!;
  const known = [...ctx.state.files.values()].some((file) => file.projectId === project.id && file.blobName === blobName) || [...ctx.state.workzones.values()].some((zone) => zone.projectId === project.id && zone.coverBlobName === blobName);
  if (!known) throw notFound('blob', blobName);
  const location = `${ctx.storageUrl}/${ctx.azurite.container}/${encodeURIComponent(blobName)}?${ctx.azurite.blobSas(blobName, 'r', 3 * 3600)}`;
  return { status: 302, headers: { location } };
}

async function signFiles(ctx: ApiContext, call: Call): Promise<Reply> {
  const workzone = writableWorkzone(ctx, writableProject(ctx, call.refs), call.refs.workzone!);
  const files = validateDeclared(await jsonBody(call.req));
  const expired = ctx.faults.pick('cintoo', 'POST bulk-files', ['expired-url']);
  return { status: 200, body: sign(ctx, workzone, files, expired !== undefined), note: bulkNote(files), ...(expired ? { fault: 'expired-url' } : {}) };
}

async function registerFiles(ctx: ApiContext, call: Call): Promise<Reply> {
  const workzone = writableWorkzone(ctx, writableProject(ctx, call.refs), call.refs.workzone!);
  const files = validateDeclared(await jsonBody(call.req));
  return { status: 200, body: await register(ctx, workzone, files), note: bulkNote(files) };
}

function checkAccount(ctx: ApiContext, ref: string): void {
  if (rawId(ref, 'account') !== ctx.state.account.id) throw notFound('account', ref);
}

function findProject(ctx: ApiContext, refs: Record<string, string>): Project {
  checkAccount(ctx, refs.account!);
  const project = ctx.state.projects.get(rawId(refs.project!, 'project'));
  if (!project) throw notFound('project', refs.project!);
  return project;
}

/** Changes to a deleted project are refused (403 deleted-project); reading it is allowed. */
function writableProject(ctx: ApiContext, refs: Record<string, string>): Project {
  const project = findProject(ctx, refs);
  if (project.isDeleted) throw deletedElement('project', refs.project!);
  return project;
}

function writableWorkzone(ctx: ApiContext, project: Project, ref: string): Workzone {
  const workzone = ctx.state.workzones.get(rawId(ref, 'workzone'));
  if (!workzone || workzone.projectId !== project.id) throw notFound('workzone', ref);
  if (workzone.isDeleted) throw deletedElement('workzone', ref);
  return workzone;
}

/** countScans / countTags / countWorkzones default to true; "false" turns one off. */
function statCounts(url: URL): { scans: boolean; tags: boolean; workzones: boolean } {
  const on = (name: string): boolean => url.searchParams.get(name)?.toLowerCase() !== 'false';
  return { scans: on('countScans'), tags: on('countTags'), workzones: on('countWorkzones') };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, 16 * 1024 * 1024)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidInput('the body is not JSON', { field: '(body)' });
  }
}

function bulkNote(files: { name: string }[]): Record<string, string> {
  return { files: String(files.length), names: JSON.stringify(files.map((file) => file.name)) };
}

/** A malformed escape stays as it is, and then names nothing (404). */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
