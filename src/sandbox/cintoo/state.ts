// What the emulated Cintoo tenant holds. Ids are stored raw and shown as URNs
// (`urn:cintoo:<kind>:<uuid>`); every `{ref}` accepts either form.

import { randomUUID } from 'node:crypto';

export const urn = (kind: string, id: string): string => `urn:cintoo:${kind}:${id}`;
export const rawId = (ref: string): string => ref.replace(/^urn:cintoo:[a-z-]+:/, '');

export interface Workzone {
  id: string;
  projectId: string;
  name: string;
  description: string;
  parentId: string | null;
  rootWorkzoneId: string;
  isDeleted: boolean;
}

export interface RegisteredFile {
  id: string;
  projectId: string;
  workzoneId: string;
  name: string;
  extension: string;
  formatId: string;
  category: string;
  size: number;
  md5: string;
  blobName: string;
  createdAt: string;
}

export interface SignedUpload {
  blobName: string;
  projectId: string;
  workzoneId: string;
  name: string;
  extension: string;
  size: number;
  md5: string;
  signedAt: number;
  fileId?: string;
}

export interface Format {
  id: string;
  name: string;
  extension: string;
  canBeUploaded: boolean;
  categoryName: string;
}

const FORMAT_LIST: [extension: string, name: string, category: string, canBeUploaded: boolean][] = [
  ['e57', 'ASTM E57', 'scan', true],
  ['las', 'LAS point cloud', 'scan', true],
  ['laz', 'LAZ point cloud', 'scan', true],
  ['ptx', 'Leica PTX', 'scan', true],
  ['pts', 'Leica PTS', 'scan', true],
  ['fls', 'FARO scan', 'scan', true],
  ['rcp', 'Autodesk ReCap project', 'scan', true],
  ['rcs', 'Autodesk ReCap scan', 'scan', true],
  ['ifc', 'IFC model', 'model', true],
  ['rvt', 'Revit model', 'model', true],
  ['nwd', 'Navisworks model', 'model', true],
  ['obj', 'Wavefront OBJ', 'model', true],
  ['pdf', 'PDF document', 'document', true],
  ['jpg', 'JPEG image', 'image', true],
  ['png', 'PNG image', 'image', true],
  ['zfs', 'Z+F scan (upload through the desktop app only)', 'scan', false],
];

export class CintooState {
  readonly userId = randomUUID();
  readonly account = { id: randomUUID(), name: 'Sandbox Surveying Ltd' };
  readonly project: { id: string; name: string; rootWorkzoneId: string };
  readonly workzones = new Map<string, Workzone>();
  readonly files = new Map<string, RegisteredFile>();
  readonly signed = new Map<string, SignedUpload>();
  readonly formats: Format[] = FORMAT_LIST.map(([extension, name, categoryName, canBeUploaded], index) => ({ id: `fmt-${index + 1}`, name, extension, canBeUploaded, categoryName }));

  constructor() {
    const projectId = randomUUID();
    const rootId = randomUUID();
    this.project = { id: projectId, name: 'Sandbox Project', rootWorkzoneId: rootId };
    this.workzones.set(rootId, { id: rootId, projectId, name: 'Sandbox Project', description: '', parentId: null, rootWorkzoneId: rootId, isDeleted: false });
  }

  createWorkzone(projectId: string, name: string, parentId: string, description: string): Workzone {
    const id = randomUUID();
    const workzone = { id, projectId, name, description, parentId, rootWorkzoneId: this.project.rootWorkzoneId, isDeleted: false };
    this.workzones.set(id, workzone);
    return workzone;
  }

  format(extension: string): Format | undefined {
    return this.formats.find((format) => format.extension === extension.toLowerCase());
  }
}
