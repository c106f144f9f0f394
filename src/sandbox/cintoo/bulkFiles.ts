// Cintoo's three-step upload, server side: sign (one SAS URL per declared file), the client's
// PUTs to storage, then register — which checks in storage that each blob exists, committed, with
// the declared size and MD5, before it becomes a file of the work zone. A register call is all or
// nothing. Where Cintoo is silent (re-sign, register twice, which upload an entry means) the
// behaviour follows the settings in options.ts.
// Strictness of the sandbox's own: the stored blob must carry the declared MD5. Azure computes it
// for a Put Blob, but a blob committed by Put Block List has one only when the commit sends
// x-ms-blob-content-md5 — without it, register answers 409 blob-mismatch (storedMd5 null).

import { randomUUID } from 'node:crypto';
import type { Azurite } from '../azurite.ts';
import { CintooError, invalidInput } from './errors.ts';
import { formatOf } from './formats.ts';
import type { CintooSettings } from './options.ts';
import { urn } from './refs.ts';
import { isoSeconds, type CintooState, type RegisteredFile, type SignedUpload, type Workzone } from './state.ts';

export interface DeclaredFile {
  name: string;
  extension: string;
  size: number;
  md5: string;
  isAttachment?: boolean;
  /** Not part of Cintoo's body; honoured only with registerBy 'blob-name'. */
  blobName?: string;
}

const MAX_NAME_LENGTH = 255;

/**
 * The request body: a non-empty array of {name, extension, size, md5, isAttachment?}. The
 * provider's schema only types these; the sandbox also insists that the name ends with the
 * extension, the format can be uploaded, the size is positive and the MD5 is lowercase hex — a
 * conservative reading that keeps a client from sending what might be refused.
 */
export function validateDeclared(body: unknown): DeclaredFile[] {
  if (!Array.isArray(body) || body.length === 0) throw invalidInput('a non-empty JSON array of {name, extension, size, md5} is required', { field: '(body)' });
  return body.map((entry: unknown, index) => {
    const fail = (field: string, reason: string): never => {
      throw invalidInput(`files[${index}].${field}: ${reason}`, { index, field, reason });
    };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail('(entry)', 'an object is required');
    const { name, extension, size, md5, isAttachment, blobName } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') return fail('name', 'required');
    if (name.length > MAX_NAME_LENGTH) return fail('name', `at most ${MAX_NAME_LENGTH} characters`);
    if (typeof extension !== 'string' || extension === '') return fail('extension', 'required');
    if (!name.toLowerCase().endsWith(`.${extension.toLowerCase()}`)) return fail('name', 'must end with the extension');
    const format = formatOf(extension);
    if (!format) return fail('extension', `unknown format .${extension}`);
    if (!format.canBeUploaded) return fail('extension', `.${extension} files cannot be uploaded through the API`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) return fail('size', 'a positive whole number of bytes');
    if (typeof md5 !== 'string' || !/^[0-9a-f]{32}$/.test(md5)) return fail('md5', '32 lowercase hex characters');
    if (isAttachment !== undefined && typeof isAttachment !== 'boolean') return fail('isAttachment', 'a boolean');
    return { name, extension: extension.toLowerCase(), size, md5, ...(isAttachment !== undefined ? { isAttachment } : {}), ...(typeof blobName === 'string' ? { blobName } : {}) };
  });
}

export interface SignContext {
  state: CintooState;
  azurite: Azurite;
  settings: CintooSettings;
  /** The storage endpoint clients upload to (the proxy in front of Azurite). */
  storageUrl: string;
}

/** `expired`: sign URLs that have already expired, while `expiresIn` still says they are fresh. */
export function sign(ctx: SignContext, workzone: Workzone, files: DeclaredFile[], expired: boolean): Record<string, unknown> {
  const { state, azurite, settings } = ctx;
  return {
    provider: 'azure',
    expiresIn: settings.sasTtlSec,
    files: files.map((file) => {
      const earlier = settings.blobNameOnResign === 'same' ? latestSigned(state, workzone.id, file) : undefined;
      const upload: SignedUpload = earlier ?? { blobName: `${randomUUID().replace(/-/g, '')}.${file.extension}`, projectId: workzone.projectId, workzoneId: workzone.id, name: file.name, extension: file.extension, size: file.size, md5: file.md5, signedAt: 0, signCount: 0, fileIds: [] };
      upload.signedAt = Date.now();
      upload.signCount++;
      state.signed.set(upload.blobName, upload);
      const query = azurite.blobSas(upload.blobName, settings.blobSasPermissions, expired ? -60 : settings.sasTtlSec);
      return { name: file.name, extension: file.extension, size: file.size, md5: file.md5, url: `${ctx.storageUrl}/${azurite.container}/${encodeURIComponent(upload.blobName)}?${query}`, blobName: upload.blobName };
    }),
  };
}

export async function register(ctx: SignContext, workzone: Workzone, files: DeclaredFile[]): Promise<Record<string, unknown>[]> {
  const { state, azurite, settings } = ctx;
  // Check every entry first: a register call is all or nothing.
  const uploads = await Promise.all(
    files.map(async (file, index) => {
      const upload = settings.registerBy === 'blob-name' && file.blobName ? state.signed.get(file.blobName) : latestSigned(state, workzone.id, file);
      if (!upload || upload.workzoneId !== workzone.id) throw new CintooError(400, 'blob-not-found', { detail: `files[${index}]: no signed upload matches this entry in this work zone`, errorValues: { index } });
      if (upload.name !== file.name || upload.size !== file.size || upload.md5 !== file.md5) throw new CintooError(409, 'blob-mismatch', { detail: `files[${index}] differs from what was signed`, errorValues: { index } });
      if (upload.fileIds.length > 0 && settings.reRegister === 'same-file') return upload;
      const stored = await azurite.properties(upload.blobName);
      if (!stored) throw new CintooError(400, 'blob-not-found', { detail: `files[${index}]: nothing is committed in storage for this file`, errorValues: { index, blobName: upload.blobName } });
      if (stored.size !== file.size || stored.md5 !== file.md5) {
        throw new CintooError(409, 'blob-mismatch', { detail: `files[${index}]: the stored blob differs from the declaration`, errorValues: { index, blobName: upload.blobName, storedSize: stored.size, storedMd5: stored.md5 } });
      }
      return upload;
    }),
  );
  return uploads.map((upload) => {
    let file = settings.reRegister === 'same-file' && upload.fileIds[0] ? state.files.get(upload.fileIds[0]) : undefined;
    file ??= createFile(state, upload);
    return { name: file.name, extension: file.extension, size: file.size, md5: file.md5, id: urn('file', file.id), blobName: file.blobName };
  });
}

function createFile(state: CintooState, upload: SignedUpload): RegisteredFile {
  const format = formatOf(upload.extension)!;
  const file: RegisteredFile = { id: randomUUID(), projectId: upload.projectId, workzoneId: upload.workzoneId, name: upload.name, extension: upload.extension, formatId: format.id, category: format.categoryName, size: upload.size, md5: upload.md5, blobName: upload.blobName, createdAt: isoSeconds() };
  state.files.set(file.id, file);
  upload.fileIds.push(file.id);
  return file;
}

/** The newest signing of this file (work zone, name, size, MD5): the upload an entry stands for. */
function latestSigned(state: CintooState, workzoneId: string, file: DeclaredFile): SignedUpload | undefined {
  let best: SignedUpload | undefined;
  for (const upload of state.signed.values()) {
    if (upload.workzoneId === workzoneId && upload.name === file.name && upload.size === file.size && upload.md5 === file.md5) {
      if (!best || upload.signedAt >= best.signedAt) best = upload;
    }
  }
  return best;
}
