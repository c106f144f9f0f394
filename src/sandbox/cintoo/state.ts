// What the emulated Cintoo tenant holds. Ids are stored raw (UUIDv4) and shown as URNs.
//
// The seeded tenant has traps a real tenant has too: the project list includes a *deleted*
// project with the same name as the live one, and the live project has a *deleted* work zone
// "Site A" under its root — a client that picks by name without looking at
// `modificationInfo.isDeleted` lands in the wrong place (or on a 403).

import { randomUUID } from 'node:crypto';
import type { FileCategory } from './formats.ts';

export interface Account {
  id: string;
  name: string;
  createdAt: string;
  subscriptionId: string;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  rootWorkzoneId: string;
  createdAt: string;
  isDeleted: boolean;
  deletedAt?: string;
}

export interface Workzone {
  id: string;
  projectId: string;
  name: string;
  description: string;
  parentId: string | null;
  rootWorkzoneId: string;
  createdAt: string;
  isDeleted: boolean;
  deletedAt?: string;
  coverBlobName?: string;
  coverUrl?: string;
}

export interface RegisteredFile {
  id: string;
  projectId: string;
  workzoneId: string;
  name: string;
  extension: string;
  formatId: number;
  category: FileCategory;
  size: number;
  /** Kept for the inventory (checked against storage at registration); never shown by the API. */
  md5: string;
  blobName: string;
  createdAt: string;
}

/** A blob name handed out by sign, and what became of it. */
export interface SignedUpload {
  blobName: string;
  projectId: string;
  workzoneId: string;
  name: string;
  extension: string;
  size: number;
  md5: string;
  /** When it was last signed (ms): the newest signing is the one register picks. */
  signedAt: number;
  /** How many sign answers carried this blob name. */
  signCount: number;
  /** Raw ids of the files registered from this blob (several when register duplicates). */
  fileIds: string[];
}

export const isoSeconds = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class CintooState {
  readonly userId = randomUUID();
  readonly account: Account = { id: randomUUID(), name: 'Sandbox Surveying Ltd', createdAt: isoSeconds(), subscriptionId: randomUUID() };
  readonly projects = new Map<string, Project>();
  readonly workzones = new Map<string, Workzone>();
  readonly files = new Map<string, RegisteredFile>();
  readonly signed = new Map<string, SignedUpload>();
  /** The live project the sandbox hands out (`projectId`). */
  readonly project: Project;

  constructor() {
    this.project = this.#addProject('Sandbox Project', false);
    const root = this.workzones.get(this.project.rootWorkzoneId)!;
    root.coverBlobName = `${randomUUID().replace(/-/g, '')}.jpg`;
    this.createWorkzone(this.project.id, 'Site A', root.id, 'Removed survey area').isDeleted = true;
    this.#addProject('Sandbox Project', true);
    for (const workzone of this.workzones.values()) if (workzone.isDeleted) workzone.deletedAt = isoSeconds();
  }

  createWorkzone(projectId: string, name: string, parentId: string, description: string, coverUrl?: string): Workzone {
    const id = randomUUID();
    const parent = this.workzones.get(parentId)!;
    const workzone: Workzone = { id, projectId, name, description, parentId, rootWorkzoneId: parent.rootWorkzoneId, createdAt: isoSeconds(), isDeleted: false, ...(coverUrl ? { coverUrl } : {}) };
    this.workzones.set(id, workzone);
    return workzone;
  }

  /** "Site A/Level 2": the names from below the root down to the work zone ('' for a root). */
  workzonePath(id: string): string {
    const names: string[] = [];
    for (let zone = this.workzones.get(id); zone?.parentId; zone = this.workzones.get(zone.parentId)) names.unshift(zone.name);
    return names.join('/');
  }

  #addProject(name: string, isDeleted: boolean): Project {
    const id = randomUUID();
    const rootId = randomUUID();
    const createdAt = isoSeconds();
    const project: Project = { id, name, description: '', rootWorkzoneId: rootId, createdAt, isDeleted, ...(isDeleted ? { deletedAt: createdAt } : {}) };
    this.projects.set(id, project);
    // A project's root work zone carries the project's name.
    this.workzones.set(rootId, { id: rootId, projectId: id, name, description: '', parentId: null, rootWorkzoneId: rootId, createdAt, isDeleted: false });
    return project;
  }
}
