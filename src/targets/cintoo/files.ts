// The project's files, as `GET …/projects/{p}/files` lists them (every work zone at once, a bare
// array, no paging; `?category=` narrows it). ferry reads it for two questions:
//   - after a register whose outcome is unknown: did the file come into being? (read fresh);
//   - before signing an item this job never touched: is the file already there (a re-run with
//     a lost ledger)? (read once per run and category, then kept).
// Files are matched by work zone + name + size, and by blob name where both sides have one;
// Cintoo's files carry no MD5. Only the fields used are read, leniently.

import type { CintooApi } from './client.ts';
import { rawIdOf } from './client.ts';

export interface ListedFile {
  /** The file URN. */
  id: string;
  workzoneRaw: string;
  name: string;
  size: number;
  blobName: string | undefined;
  /** Epoch ms, when the listing says. */
  createdAt: number | undefined;
}

export async function listFiles(api: CintooApi, projectPath: string, categories: readonly string[], signal: AbortSignal): Promise<ListedFile[]> {
  const answer = await api.call<unknown>('GET', `${projectPath}/files`, { signal, ...(categories.length > 0 ? { searchParams: { category: [...categories].sort().join(',') } } : {}) });
  const files: ListedFile[] = [];
  for (const entry of Array.isArray(answer) ? answer : []) {
    if (typeof entry !== 'object' || entry === null) continue;
    const raw = entry as Record<string, unknown>;
    if (typeof raw.id !== 'string' || typeof raw.workzoneId !== 'string' || typeof raw.name !== 'string' || typeof raw.size !== 'number') continue;
    const createdAt = typeof raw.createdAt === 'string' ? Date.parse(raw.createdAt) : Number.NaN;
    files.push({
      id: raw.id,
      workzoneRaw: rawIdOf(raw.workzoneId),
      name: raw.name,
      size: raw.size,
      blobName: typeof raw.blobName === 'string' && raw.blobName !== '' ? raw.blobName : undefined,
      createdAt: Number.isNaN(createdAt) ? undefined : createdAt,
    });
  }
  return files;
}

/** What identifies the file an item became. */
export interface FileQuery {
  workzoneId: string;
  name: string;
  size: number;
  blobName?: string | null;
  /** Only files made at or after this moment (ms) count, when the listing dates them. */
  since?: number;
}

export function matchFiles(files: readonly ListedFile[], query: FileQuery): ListedFile[] {
  const zone = rawIdOf(query.workzoneId);
  return files.filter(
    (file) =>
      file.workzoneRaw === zone &&
      file.name === query.name &&
      file.size === query.size &&
      (!query.blobName || !file.blobName || file.blobName === query.blobName) &&
      (query.since === undefined || file.createdAt === undefined || file.createdAt >= query.since),
  );
}

/** The project's files per category, read once per run for the lost-ledger lookup. */
export class ExistingFiles {
  readonly #api: CintooApi;
  readonly #projectPath: () => string;
  readonly #byCategory = new Map<string, Promise<ListedFile[]>>();

  constructor(api: CintooApi, projectPath: () => string) {
    this.#api = api;
    this.#projectPath = projectPath;
  }

  /** Files already in the work zone with this name and size (`category` narrows the listing; '' = all). */
  async find(query: FileQuery, category: string, signal: AbortSignal): Promise<ListedFile[]> {
    let files = this.#byCategory.get(category);
    if (!files) {
      files = listFiles(this.#api, this.#projectPath(), category ? [category] : [], signal);
      this.#byCategory.set(category, files);
      files.catch(() => this.#byCategory.delete(category));
    }
    return matchFiles(await files, query);
  }
}
