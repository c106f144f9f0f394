// Cintoo's three-step upload, server side: sign (one SAS URL per declared file), the client's
// PUTs to storage, then register — which checks in storage that each blob exists, committed,
// with the declared size and MD5, before it becomes a file of the work zone.

import { randomUUID } from 'node:crypto';
import type { Azurite } from '../azurite.ts';
import { CintooError } from './errors.ts';
import { rawId, urn, type CintooState, type RegisteredFile, type Workzone } from './state.ts';

export interface DeclaredFile {
  name: string;
  extension: string;
  size: number;
  md5: string;
  blobName?: string;
}

export function checkWorkzone(state: CintooState, projectRef: string, workzoneRef: string): Workzone {
  const workzone = state.workzones.get(rawId(workzoneRef));
  if (!workzone || workzone.projectId !== rawId(projectRef)) throw new CintooError(404, 'Not Found', 'workzone-not-found', { workzoneId: workzoneRef });
  if (workzone.isDeleted) throw new CintooError(403, 'Forbidden', 'deleted-workzone', { workzoneId: workzoneRef });
  return workzone;
}

export function validateDeclared(state: CintooState, body: unknown, requireArray = true): DeclaredFile[] {
  if (!Array.isArray(body) || (requireArray && body.length === 0)) throw new CintooError(400, 'Bad Request', 'invalid-input', { field: '(body)', reason: 'a non-empty JSON array of {name, extension, size, md5} is required' });
  return body.map((entry: Record<string, unknown>, index) => {
    const fail = (field: string, reason: string): never => {
      throw new CintooError(400, 'Bad Request', 'invalid-input', { index, field, reason });
    };
    const { name, extension, size, md5, blobName } = entry ?? {};
    if (typeof name !== 'string' || name === '') fail('name', 'required');
    if (typeof extension !== 'string' || extension === '') fail('extension', 'required');
    if (!(name as string).toLowerCase().endsWith(`.${(extension as string).toLowerCase()}`)) fail('name', 'must end with the extension');
    const format = state.format(extension as string);
    if (!format) fail('extension', `unknown format .${extension as string}`);
    if (!format!.canBeUploaded) fail('extension', `.${extension as string} files cannot be uploaded through the API`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) fail('size', 'a positive whole number of bytes');
    if (typeof md5 !== 'string' || !/^[0-9a-f]{32}$/.test(md5)) fail('md5', '32 lowercase hex characters');
    return { name: name as string, extension: (extension as string).toLowerCase(), size: size as number, md5: md5 as string, ...(typeof blobName === 'string' ? { blobName } : {}) };
  });
}

export function sign(state: CintooState, azurite: Azurite, workzone: Workzone, files: DeclaredFile[], ttlSec: number): Record<string, unknown> {
  return {
    provider: 'azure',
    expiresIn: ttlSec,
    files: files.map((file) => {
      const blobName = `${workzone.projectId}/${randomUUID()}.${file.extension}`;
      state.signed.set(blobName, { blobName, projectId: workzone.projectId, workzoneId: workzone.id, name: file.name, extension: file.extension, size: file.size, md5: file.md5, signedAt: Date.now() });
      return { name: file.name, extension: file.extension, size: file.size, md5: file.md5, url: azurite.signBlobUrl(blobName, ttlSec), blobName };
    }),
  };
}

export async function register(state: CintooState, azurite: Azurite, workzone: Workzone, files: DeclaredFile[]): Promise<Record<string, unknown>[]> {
  // Check every entry first: a register call is all or nothing.
  const uploads = await Promise.all(
    files.map(async (file, index) => {
      const upload = file.blobName ? state.signed.get(file.blobName) : latestUnregistered(state, workzone.id, file);
      if (!upload || upload.workzoneId !== workzone.id) throw new CintooError(400, 'Bad Request', 'blob-not-found', { index, blobName: file.blobName ?? null, reason: 'no signed upload matches this entry in this work zone' });
      if (upload.name !== file.name || upload.size !== file.size || upload.md5 !== file.md5) throw new CintooError(409, 'Conflict', 'blob-mismatch', { index, reason: 'the entry differs from what was signed' });
      if (upload.fileId) return upload;
      const stored = await azurite.properties(upload.blobName);
      if (!stored) throw new CintooError(400, 'Bad Request', 'blob-not-found', { index, blobName: upload.blobName, reason: 'nothing committed in storage under this blob name' });
      if (stored.size !== file.size || stored.md5 !== file.md5) {
        throw new CintooError(409, 'Conflict', 'blob-mismatch', { index, blobName: upload.blobName, storedSize: stored.size, storedMd5: stored.md5 });
      }
      return upload;
    }),
  );
  return uploads.map((upload) => {
    // Registering the same blob again returns the file it already became: never a twin.
    let file = upload.fileId ? state.files.get(upload.fileId) : undefined;
    if (!file) {
      const format = state.format(upload.extension)!;
      file = { id: randomUUID(), projectId: upload.projectId, workzoneId: upload.workzoneId, name: upload.name, extension: upload.extension, formatId: format.id, category: format.categoryName, size: upload.size, md5: upload.md5, blobName: upload.blobName, createdAt: new Date().toISOString() };
      state.files.set(file.id, file);
      upload.fileId = file.id;
    }
    return { name: file.name, extension: file.extension, size: file.size, md5: file.md5, id: urn('file', file.id), blobName: file.blobName };
  });
}

function latestUnregistered(state: CintooState, workzoneId: string, file: DeclaredFile): ReturnType<CintooState['signed']['get']> {
  let best;
  for (const upload of state.signed.values()) {
    if (upload.workzoneId === workzoneId && !upload.fileId && upload.name === file.name && upload.size === file.size && upload.md5 === file.md5) {
      if (!best || upload.signedAt >= best.signedAt) best = upload;
    }
  }
  return best;
}

export const fileView = (file: RegisteredFile): Record<string, unknown> => ({
  id: urn('file', file.id),
  workzoneId: urn('workzone', file.workzoneId),
  name: file.name,
  formatId: file.formatId,
  category: file.category,
  size: file.size,
  md5: file.md5,
  blobName: file.blobName,
  creationDate: file.createdAt,
});
