// What the emulated Cintoo now holds, the way tests need it to prove "nothing lost, nothing
// duplicated": files with their MD5 (which the API never shows, but register checked against
// storage), twins grouped, and for every signed blob how many bytes storage received for it.

import type { StorageMeter } from '../storageMeter.ts';
import { urn } from './refs.ts';
import type { CintooState } from './state.ts';

export interface CintooInventory {
  accounts: { id: string; name: string }[];
  projects: { id: string; name: string; rootWorkzoneId: string; isDeleted: boolean }[];
  /** `path`: names below the project's root, e.g. "Site A/Level 2" ('' for a root). */
  workzones: { id: string; projectId: string; name: string; path: string; parentId: string | null; isDeleted: boolean }[];
  files: InventoryFile[];
  /** Files sharing work zone, name and size: a client that re-registered or re-uploaded blindly. */
  duplicates: { workzoneId: string; workzonePath: string; name: string; size: number; fileIds: string[] }[];
  blobs: InventoryBlob[];
  /** Request-body bytes storage received in all, for every blob. */
  storageBytesReceived: number;
}

export interface InventoryFile {
  id: string;
  workzoneId: string;
  workzonePath: string;
  name: string;
  size: number;
  /** The MD5 declared and checked against the stored blob when the file was registered. */
  md5: string;
  type: string;
  blobName: string;
  createdAt: string;
}

export interface InventoryBlob {
  blobName: string;
  workzoneId: string;
  name: string;
  size: number;
  md5: string;
  /** How many sign answers handed out this blob name (more than 1 only with blobNameOnResign 'same'). */
  signCount: number;
  registered: boolean;
  /** The file URNs registered from this blob (several when register duplicated it). */
  fileIds: string[];
  /** Request-body bytes storage received for this blob (block-list XML included), refused and cut requests too. */
  bytesReceived: number;
  /** Storage requests made for this blob. */
  storageRequests: number;
}

export function buildInventory(state: CintooState, meter: StorageMeter): CintooInventory {
  const files: InventoryFile[] = [...state.files.values()].map((file) => ({
    id: urn('file', file.id),
    workzoneId: urn('workzone', file.workzoneId),
    workzonePath: state.workzonePath(file.workzoneId),
    name: file.name,
    size: file.size,
    md5: file.md5,
    type: file.category,
    blobName: file.blobName,
    createdAt: file.createdAt,
  }));
  const groups = new Map<string, InventoryFile[]>();
  for (const file of files) {
    const key = JSON.stringify([file.workzoneId, file.name, file.size]);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return {
    accounts: [{ id: urn('account', state.account.id), name: state.account.name }],
    projects: [...state.projects.values()].map((project) => ({ id: urn('project', project.id), name: project.name, rootWorkzoneId: urn('workzone', project.rootWorkzoneId), isDeleted: project.isDeleted })),
    workzones: [...state.workzones.values()].map((zone) => ({ id: urn('workzone', zone.id), projectId: urn('project', zone.projectId), name: zone.name, path: state.workzonePath(zone.id), parentId: zone.parentId && urn('workzone', zone.parentId), isDeleted: zone.isDeleted })),
    files,
    duplicates: [...groups.values()]
      .filter((group) => group.length > 1)
      .map((group) => ({ workzoneId: group[0]!.workzoneId, workzonePath: group[0]!.workzonePath, name: group[0]!.name, size: group[0]!.size, fileIds: group.map((file) => file.id) })),
    blobs: [...state.signed.values()].map((upload) => {
      const traffic = meter.get(upload.blobName);
      return {
        blobName: upload.blobName,
        workzoneId: urn('workzone', upload.workzoneId),
        name: upload.name,
        size: upload.size,
        md5: upload.md5,
        signCount: upload.signCount,
        registered: upload.fileIds.length > 0,
        fileIds: upload.fileIds.map((id) => urn('file', id)),
        bytesReceived: traffic.bytesReceived,
        storageRequests: traffic.requests,
      };
    }),
    storageBytesReceived: meter.totalBytes(),
  };
}
