// Where the files go: an account, a project and a work zone — by id or URN, or by a name path
// below it ("Site A/Level 2") created where missing — and, for a folder job, optionally one work
// zone per top-level folder. Cintoo's lists include deleted projects and work zones
// (modificationInfo.isDeleted): those are never chosen, and a deleted one named in the job is a
// job-level problem (exit 2, with the fix).
//
// Work zone names are not unique among siblings, and a create whose answer is lost may still
// have happened, so creating is idempotent by looking first: the list is read again before
// every create and after any create whose outcome is unknown, and when siblings share a name
// (two processes raced), the oldest live one is chosen — every process picks the same one.

import type { Logger } from 'pino';
import { PermanentError, RetryableError, UsageError } from '../../core/errors.ts';
import { CintooRefusal, rawIdOf, seg, type CintooApi } from './client.ts';

export interface DestinationSpec {
  account: string;
  project: string;
  workzone?: string;
  workzonePath?: string;
  createWorkzones: boolean;
  folders?: 'workzones' | Record<string, string>;
}

interface Zone {
  /** As Cintoo gives it (a URN). */
  id: string;
  raw: string;
  name: string;
  parentRaw: string | null;
  deleted: boolean;
  createdAt: string;
}

/** The live work zone the `folders` mapping names for a folder, or how to find it. */
type Exclusive = <T>(key: string, work: () => Promise<T>) => Promise<T>;

type FolderTarget = { zone: Zone } | { path: string[] };

export class Destination {
  readonly #api: CintooApi;
  readonly #spec: DestinationSpec;
  readonly #jobFile: string;
  readonly #log: Logger;
  #projectPath = '';
  #base: Zone | undefined;
  #zones = new Map<string, Zone>();
  readonly #folderTargets = new Map<string, FolderTarget>();
  /** One resolution per folder at a time; a failed one is forgotten, so the next item tries again. */
  readonly #resolving = new Map<string, Promise<Zone>>();

  readonly #exclusive: Exclusive | undefined;
  readonly #tenant: string;

  /** `exclusive`: a fleet's lock, so that workers of a fleet never create the same work zone twice; `tenant` names the tenant in its keys. */
  constructor(api: CintooApi, spec: DestinationSpec, jobFile: string, log: Logger, exclusive?: Exclusive, tenant = '') {
    this.#api = api;
    this.#spec = spec;
    this.#jobFile = jobFile;
    this.#log = log;
    this.#exclusive = exclusive;
    this.#tenant = tenant;
  }

  /** `/api/2/accounts/<a>/projects/<p>`. */
  get projectPath(): string {
    return this.#projectPath;
  }

  /**
   * Checks account, project and work zone, and (with `create`) makes the missing work zones of
   * the path and of the folder mapping. Returns what it found, for `ferry validate`. Job-level
   * problems (unknown or deleted) are UsageErrors naming the job file's key and the fix.
   */
  async resolve(signal: AbortSignal, create: boolean): Promise<string[]> {
    const { account, project } = this.#spec;
    const findings: string[] = [];
    const accountInfo = await this.#lookup<{ name?: unknown }>(`/api/2/accounts/${seg(account)}`, 'account', account, signal);
    findings.push(`account ${account} (${String(accountInfo.name ?? 'unnamed')})`);
    this.#projectPath = `/api/2/accounts/${seg(account)}/projects/${seg(project)}`;
    const projectInfo = await this.#lookup<{ name?: unknown; rootWorkzoneId?: unknown; modificationInfo?: { isDeleted?: unknown } }>(this.#projectPath, 'project', project, signal);
    if (projectInfo.modificationInfo?.isDeleted === true) throw this.#problem('project', `project ${project} ("${String(projectInfo.name)}") is deleted in Cintoo`, 'choose a live project (the project list shows deleted ones too: look at modificationInfo.isDeleted)');
    if (typeof projectInfo.rootWorkzoneId !== 'string') throw new RetryableError('cintoo:project-shape', `cintoo: project ${project} was answered without a rootWorkzoneId`);
    findings.push(`project ${project} ("${String(projectInfo.name)}")`);
    await this.#readZones(signal);
    let base = this.#zones.get(rawIdOf(projectInfo.rootWorkzoneId));
    if (this.#spec.workzone) {
      base = this.#zones.get(rawIdOf(this.#spec.workzone));
      if (!base) throw this.#problem('workzone', `work zone ${this.#spec.workzone} is not in project ${project}`, 'use the id or URN of one of the project\'s work zones (GET .../projects/<project>/workzones), or omit target.workzone for the root');
      if (base.deleted) throw this.#problem('workzone', `work zone ${this.#spec.workzone} ("${base.name}") is deleted in Cintoo`, 'choose a live work zone, or give target.workzonePath to have ferry create one by name');
    }
    if (!base) throw new RetryableError('cintoo:root-missing', `cintoo: the root work zone of project ${project} is not in its work zone list`);
    if (this.#spec.workzonePath) {
      const found = await this.#walk(base, splitPath(this.#spec.workzonePath), signal, create && this.#spec.createWorkzones);
      if ('missing' in found) {
        if (!this.#spec.createWorkzones) throw this.#problem('workzonePath', `work zone path "${this.#spec.workzonePath}" does not exist (no live "${found.missing}" under "${found.under.name}")`, 'create it in Cintoo, correct the path, or set target.createWorkzones to true');
        findings.push(`work zone path "${this.#spec.workzonePath}" does not exist yet below "${base.name}"; the run will create it`);
        this.#base = base;
        return findings;
      }
      base = found.zone;
    }
    this.#base = base;
    findings.push(`work zone ${base.id} ("${base.name}")`);
    await this.#resolveFolderMap(signal, create, findings);
    return findings;
  }

  /** The item's top-level folder, when the job maps folders onto work zones (else undefined). */
  folderOf(key: string): string | undefined {
    if (!this.#spec.folders) return undefined;
    const slash = key.indexOf('/');
    return slash > 0 ? key.slice(0, slash) : undefined;
  }

  /** The work zone (URN) an item goes to when that is known without creating anything (a folder's zone may not exist yet). */
  zoneIfKnown(key: string): string | undefined {
    const folder = this.folderOf(key);
    if (folder === undefined) return this.#base?.id;
    const target = this.#folderTargets.get(folder);
    return target && 'zone' in target ? target.zone.id : undefined;
  }

  /** The work zone (URN) an item goes to; creates a folder's work zone the first time one is needed. */
  async zoneFor(key: string, signal: AbortSignal): Promise<string> {
    const base = this.#base;
    if (!base) throw new RetryableError('cintoo:not-prepared', 'cintoo: the destination was not resolved yet');
    const folder = this.folderOf(key);
    if (folder === undefined) return base.id;
    let pending = this.#resolving.get(folder);
    if (!pending) {
      pending = this.#resolveFolder(base, folder, signal);
      this.#resolving.set(folder, pending);
      pending.catch(() => this.#resolving.delete(folder));
    }
    return (await pending).id;
  }

  async #resolveFolder(base: Zone, folder: string, signal: AbortSignal): Promise<Zone> {
    const mapping = this.#spec.folders;
    let target: FolderTarget | undefined = this.#folderTargets.get(folder);
    if (!target) {
      if (mapping === 'workzones') target = { path: [folder] };
      else if (mapping && Object.hasOwn(mapping, folder)) throw new RetryableError('cintoo:folder-unresolved', `cintoo: the work zone for folder "${folder}" was not resolved at the start`);
      else return base; // a folder the mapping does not list goes to the destination itself
    }
    if ('zone' in target) return target.zone;
    const found = await this.#walk(base, target.path, signal, true);
    if ('missing' in found) throw new PermanentError('cintoo:workzone-missing', `cintoo: no work zone "${target.path.join('/')}" below "${base.name}"`);
    this.#folderTargets.set(folder, { zone: found.zone });
    return found.zone;
  }

  /** Explicit `folders` entries: ids checked now, paths found or created now. */
  async #resolveFolderMap(signal: AbortSignal, create: boolean, findings: string[]): Promise<void> {
    const mapping = this.#spec.folders;
    if (mapping === undefined) return;
    if (mapping === 'workzones') {
      findings.push(`each top-level folder goes to the work zone of its name below "${this.#base!.name}" (created when missing)`);
      return;
    }
    for (const [folder, where] of Object.entries(mapping)) {
      if (looksLikeId(where)) {
        const zone = this.#zones.get(rawIdOf(where));
        if (!zone) throw this.#problem(`folders.${folder}`, `work zone ${where} (for folder "${folder}") is not in the project`, 'use the id or URN of one of the project\'s work zones, or a name path');
        if (zone.deleted) throw this.#problem(`folders.${folder}`, `work zone ${where} (for folder "${folder}") is deleted in Cintoo`, 'choose a live work zone, or a name path ferry may create');
        this.#folderTargets.set(folder, { zone });
        findings.push(`folder "${folder}" → work zone ${zone.id} ("${zone.name}")`);
        continue;
      }
      const found = await this.#walk(this.#base!, splitPath(where), signal, create && this.#spec.createWorkzones);
      if ('missing' in found) {
        if (!this.#spec.createWorkzones) throw this.#problem(`folders.${folder}`, `work zone path "${where}" (for folder "${folder}") does not exist`, 'create it in Cintoo, or set target.createWorkzones to true');
        findings.push(`folder "${folder}" → "${where}" (does not exist yet; the run will create it)`);
        this.#folderTargets.set(folder, { path: splitPath(where) });
      } else {
        this.#folderTargets.set(folder, { zone: found.zone });
        findings.push(`folder "${folder}" → work zone ${found.zone.id} ("${where}")`);
      }
    }
  }

  /** Follows `names` down from `from`, creating what is missing when `create`. */
  async #walk(from: Zone, names: string[], signal: AbortSignal, create: boolean): Promise<{ zone: Zone } | { missing: string; under: Zone }> {
    let zone = from;
    for (const name of names) {
      const child = this.#liveChild(zone, name) ?? (create ? await this.#createChild(zone, name, signal) : undefined);
      if (!child) return { missing: name, under: zone };
      zone = child;
    }
    return { zone };
  }

  /** The oldest live child of `parent` named `name` (by the last list read). */
  #liveChild(parent: Zone, name: string): Zone | undefined {
    const matches = [...this.#zones.values()].filter((zone) => !zone.deleted && zone.parentRaw === parent.raw && zone.name === name);
    matches.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.raw.localeCompare(b.raw));
    if (matches.length > 1) this.#log.warn({ parent: parent.id, name, zones: matches.map((zone) => zone.id) }, 'several live work zones share this name; using the oldest');
    return matches[0];
  }

  /**
   * Look (again) first, then create; an answer lost on the way is looked for, never created twice.
   * In a fleet the look and the create run under the fleet's lock for this parent and name: a
   * second worker waits, then finds the first one's work zone.
   */
  #createChild(parent: Zone, name: string, signal: AbortSignal): Promise<Zone> {
    const create = (): Promise<Zone> => this.#lookThenCreate(parent, name, signal);
    return this.#exclusive ? this.#exclusive(`cintoo workzone ${this.#tenant} ${parent.raw} ${name}`, create) : create();
  }

  async #lookThenCreate(parent: Zone, name: string, signal: AbortSignal): Promise<Zone> {
    for (let attempt = 1; ; attempt++) {
      await this.#readZones(signal);
      const existing = this.#liveChild(parent, name);
      if (existing) return existing;
      try {
        await this.#api.call('POST', `${this.#projectPath}/workzones`, { json: { name, parentWorkzoneId: parent.id, description: 'Created by ferry' }, signal });
        this.#log.info({ parent: parent.id, name }, 'created a work zone');
      } catch (error) {
        if (!(error instanceof RetryableError) || attempt >= 3) throw error;
        this.#log.warn({ name, error: error.message }, 'creating a work zone got no clear answer; looking whether it exists before trying again');
        continue;
      }
      // Read back rather than trusting the answer: if another process created a twin at the
      // same moment, every process settles on the same (oldest) one.
      await this.#readZones(signal);
      const created = this.#liveChild(parent, name);
      if (created) return created;
    }
  }

  async #readZones(signal: AbortSignal): Promise<void> {
    const answer = await this.#api.call<unknown>('GET', `${this.#projectPath}/workzones`, { signal });
    const zones = new Map<string, Zone>();
    for (const entry of Array.isArray(answer) ? answer : []) {
      if (typeof entry !== 'object' || entry === null) continue;
      const raw = entry as { id?: unknown; name?: unknown; parentId?: unknown; modificationInfo?: { isDeleted?: unknown; createdAt?: unknown } };
      if (typeof raw.id !== 'string' || typeof raw.name !== 'string') continue;
      zones.set(rawIdOf(raw.id), {
        id: raw.id,
        raw: rawIdOf(raw.id),
        name: raw.name,
        parentRaw: typeof raw.parentId === 'string' ? rawIdOf(raw.parentId) : null,
        deleted: raw.modificationInfo?.isDeleted === true,
        createdAt: typeof raw.modificationInfo?.createdAt === 'string' ? raw.modificationInfo.createdAt : '',
      });
    }
    this.#zones = zones;
  }

  /** GET a thing the job names; not found, malformed or forbidden is a job-level problem. */
  async #lookup<T>(path: string, key: 'account' | 'project', ref: string, signal: AbortSignal): Promise<T> {
    try {
      return await this.#api.call<T>('GET', path, { signal });
    } catch (error) {
      if (!(error instanceof CintooRefusal)) throw error;
      const why =
        error.status === 404 ? `${key} ${ref} was not found` : error.status === 400 ? `${key} ${ref} is not a valid ${key} id or URN (${error.message})` : error.status === 403 ? `this login may not see ${key} ${ref} (${error.message})` : error.message;
      throw this.#problem(key, why, key === 'account' ? 'use an id or URN from GET /api/2/accounts' : 'use an id or URN from GET /api/2/accounts/<account>/projects (a live one)');
    }
  }

  #problem(key: string, what: string, fix: string): UsageError {
    return new UsageError(`${this.#jobFile}: target.${key}: ${what}. Fix: ${fix}.`);
  }
}

/** "Site A/Level 2" → ["Site A", "Level 2"] (empty segments dropped, each trimmed). */
export function splitPath(path: string): string[] {
  return path
    .split('/')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** A URN, or a bare UUID: an id rather than a name path. */
function looksLikeId(value: string): boolean {
  return /^urn:cintoo:/i.test(value) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
