// The API's JSON shapes, as the provider's OpenAPI document describes them (Account, Project,
// Workzone, File = FileBase + FileBlob + type, FileFormat). URNs in `id` and in references, raw
// ids in `api1Id`. Fields whose values only Cintoo's processing would produce (a scan's
// resolution, a model's placement) are left out: ferry never reads them.

import { urn } from './refs.ts';
import type { CintooState, Project, RegisteredFile, Workzone } from './state.ts';

export interface ViewContext {
  state: CintooState;
  /** The API's base URL, for the download links in `url` and `coverUrl`. */
  baseUrl: string;
}

/** The download link of a blob: the API redirects it (302) to a short-lived read URL. */
export function blobLink(ctx: ViewContext, project: Project, blobName: string): string {
  return `${ctx.baseUrl}/api/2/accounts/${urn('account', ctx.state.account.id)}/projects/${urn('project', project.id)}/blobs/${encodeURIComponent(blobName)}`;
}

export function accountView(ctx: ViewContext): Record<string, unknown> {
  const { account, userId } = ctx.state;
  return {
    id: urn('account', account.id),
    type: 'account',
    api1Id: account.id,
    name: account.name,
    createdAt: account.createdAt,
    ownerId: urn('user', userId),
    permissions: { isOwner: true, isAdmin: false, isManager: false, isProjectLister: false },
    subscriptions: [
      { id: urn('subscription', account.subscriptionId), type: 'subscription', api1Id: account.subscriptionId, accountId: urn('account', account.id), isVa: false, isActive: true, isTrial: false, name: 'Sandbox subscription', geoImageCapacity: 50, tagCapacity: 50, scanCapacity: 500 },
    ],
    regions: [{ id: 'default', name: 'Europe (sandbox)', provider: 'azure', cloudProvider: 'azure', region: 'local', countryCode: 'FR', hasCdn: false, selected: true, default: true }],
  };
}

/** `counts`: which statistics were asked for (countScans, countTags, countWorkzones); none → null. */
export function projectView(ctx: ViewContext, project: Project, counts: { scans: boolean; tags: boolean; workzones: boolean }): Record<string, unknown> {
  const { state } = ctx;
  let statsInfo: Record<string, number> | null = null;
  if (counts.scans || counts.tags || counts.workzones) {
    statsInfo = {};
    if (counts.scans) Object.assign(statsInfo, scanStats(state, (file) => file.projectId === project.id));
    if (counts.tags) statsInfo.tagCount = 0;
    if (counts.workzones) statsInfo.workzoneCount = [...state.workzones.values()].filter((zone) => zone.projectId === project.id && !zone.isDeleted).length;
  }
  return {
    id: urn('project', project.id),
    type: 'project',
    api1Id: project.id,
    accountId: urn('account', state.account.id),
    subscriptionId: urn('subscription', state.account.subscriptionId),
    isdemo: false,
    region: 'default',
    name: project.name,
    description: project.description,
    ownerId: urn('user', state.userId),
    location: { lat: 43.6554, lng: 7.25 },
    modificationInfo: modificationInfo(ctx, project),
    statsInfo,
    rootWorkzoneId: urn('workzone', project.rootWorkzoneId),
    permissions: ['project:project:read', 'project:project:update-details', 'project:project:delete', 'project:members:list'],
    bimOnRootWz: false,
  };
}

export function workzoneView(ctx: ViewContext, workzone: Workzone): Record<string, unknown> {
  const project = ctx.state.projects.get(workzone.projectId)!;
  return {
    id: urn('workzone', workzone.id),
    type: 'workzone',
    api1Id: workzone.id,
    projectId: urn('project', workzone.projectId),
    parentId: workzone.parentId && urn('workzone', workzone.parentId),
    rootWorkzoneId: urn('workzone', workzone.rootWorkzoneId),
    name: workzone.name,
    description: workzone.description,
    roleIds: [],
    ...(workzone.coverBlobName ? { coverBlobName: workzone.coverBlobName, coverUrl: workzone.coverUrl ?? blobLink(ctx, project, workzone.coverBlobName) } : workzone.coverUrl ? { coverUrl: workzone.coverUrl } : {}),
    modificationInfo: modificationInfo(ctx, workzone),
    statsInfo: { ...scanStats(ctx.state, (file) => file.workzoneId === workzone.id), tagCount: 0 },
  };
}

export function fileView(ctx: ViewContext, file: RegisteredFile): Record<string, unknown> {
  const project = ctx.state.projects.get(file.projectId)!;
  return {
    id: urn('file', file.id),
    api1Id: file.id,
    projectId: urn('project', file.projectId),
    workzoneId: urn('workzone', file.workzoneId),
    name: file.name,
    formatId: urn('format', String(file.formatId)),
    size: file.size,
    createdAt: file.createdAt,
    createdBy: urn('user', ctx.state.userId),
    updatedAt: null,
    updatedBy: null,
    blobName: file.blobName,
    url: blobLink(ctx, project, file.blobName),
    type: file.category,
  };
}

function modificationInfo(ctx: ViewContext, element: { createdAt: string; isDeleted: boolean; deletedAt?: string }): Record<string, unknown> {
  const user = urn('user', ctx.state.userId);
  return {
    createdAt: element.createdAt,
    createdBy: user,
    updatedAt: element.deletedAt ?? element.createdAt,
    updatedBy: user,
    ...(element.deletedAt ? { deletedAt: element.deletedAt, deletedBy: user } : {}),
    isDeleted: element.isDeleted,
  };
}

function scanStats(state: CintooState, belongs: (file: RegisteredFile) => boolean): { scanCount: number; scanSize: number } {
  let scanCount = 0;
  let scanSize = 0;
  for (const file of state.files.values()) {
    if (file.category !== 'scan' || !belongs(file)) continue;
    scanCount++;
    scanSize += file.size;
  }
  return { scanCount, scanSize };
}
