// Which files Cintoo takes: `GET /api/2/values/formats` lists every format by extension, with
// `canBeUploaded` and its category. ferry reads it once per run and checks each file's
// extension before hashing it, so an unsupported file fails at once with the reason instead of
// after a multi-GB hash (or at sign time). Only the fields ferry uses are read, leniently.

import type { CintooApi } from './client.ts';

export interface FormatInfo {
  extension: string;
  name: string;
  /** Absent in an answer: assumed true (sign would refuse it anyway, with a reason). */
  canBeUploaded: boolean;
  /** The file category (`scan`, `model`, …: the values `files?category=` takes), when given. */
  category: string | undefined;
}

export class FormatCatalog {
  readonly #byExtension: Map<string, FormatInfo>;

  constructor(formats: FormatInfo[]) {
    this.#byExtension = new Map(formats.map((format) => [format.extension, format]));
  }

  static async load(api: CintooApi, signal?: AbortSignal): Promise<FormatCatalog> {
    const answer = await api.call<unknown>('GET', '/api/2/values/formats', { signal });
    const formats: FormatInfo[] = [];
    for (const entry of Array.isArray(answer) ? answer : []) {
      if (typeof entry !== 'object' || entry === null) continue;
      const raw = entry as Record<string, unknown>;
      if (typeof raw.extension !== 'string' || raw.extension === '') continue;
      formats.push({
        extension: raw.extension.replace(/^\./, '').toLowerCase(),
        name: typeof raw.name === 'string' ? raw.name : raw.extension,
        canBeUploaded: raw.canBeUploaded !== false,
        category: typeof raw.categoryName === 'string' ? raw.categoryName : undefined,
      });
    }
    return new FormatCatalog(formats);
  }

  get size(): number {
    return this.#byExtension.size;
  }

  of(extension: string): FormatInfo | undefined {
    return this.#byExtension.get(extension.toLowerCase());
  }

  /** Why Cintoo would not take a file with this extension, or undefined when it would. */
  problem(extension: string): string | undefined {
    if (extension === '') return 'the file has no extension, and Cintoo knows formats by their extension. Fix: rename it with its format\'s extension (e.g. scan.e57)';
    const format = this.of(extension);
    if (!format) return `Cintoo does not know the format .${extension} (GET /api/2/values/formats lists no such extension). Fix: convert the file to a format Cintoo takes, or leave it out of the manifest`;
    if (!format.canBeUploaded) return `Cintoo does not take .${extension} files (${format.name}) through its API (canBeUploaded is false). Fix: upload it another way (e.g. Cintoo's desktop app), or leave it out of the manifest`;
    return undefined;
  }
}

/** The extension Cintoo would see: after the last dot, lowercase ('' when there is none). */
export function extensionOf(fileName: string): string {
  const bare = fileName.replace(/^\.+/, '');
  const dot = bare.lastIndexOf('.');
  return dot <= 0 ? '' : bare.slice(dot + 1).toLowerCase();
}
