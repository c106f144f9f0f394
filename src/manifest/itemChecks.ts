// What a job's target accepts, checked while the manifest is read, so a row it would refuse is
// rejected at planning — named with its file:line and the fix, the other rows going on — instead
// of failing mid-upload (or, worse, after an asset exists). The rules are plain data: they come
// from the target's registration (app/manifestFor.ts) and travel to the planning worker thread
// inside the manifest spec, so nothing here names a platform.

import type { ManifestEntry, ManifestItem, ManifestSource } from './types.ts';

export interface ItemChecks {
  /** `url`: every source must be an http(s) URL; `file`: a local file; `any`: either. */
  source: 'url' | 'file' | 'any';
  /** Longest accepted value, in characters, per mapped field (title, description, ...). */
  fieldLimits: Record<string, number>;
  /** Why the limits exist, quoted in a rejection. */
  limitReason?: string;
  /** Rules for the file name the item will have at the target (the source's last path segment). */
  fileName?: FileNameRules;
}

/** What a target demands of an item's file name, known without asking it. */
export interface FileNameRules {
  /** Longest accepted name, in characters. */
  maxLength?: number;
  /** The name must have an extension (`scan.e57`): the target decides what a file is by it. */
  requireExtension?: boolean;
  /** An empty file (size 0, when the manifest knows the size) is refused. */
  refuseEmpty?: boolean;
  /** Who sets these rules, for the messages: "Cintoo". */
  by: string;
}

const HTTP_URL = /^https?:\/\//i;
/** Anything with a scheme and `//`: a URL of some kind, not a file path. */
export const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Why `raw` (a source as the manifest gives it) cannot be this target's source, or undefined.
 * `raw` is shown shortened and without its query string, which may carry a signature.
 */
export function sourceKindProblem(raw: string, kind: ItemChecks['source']): string | undefined {
  if (kind === 'url') {
    if (HTTP_URL.test(raw) && URL.canParse(raw)) return undefined;
    return `the source ${quoted(raw)} is not an http(s) URL, and this job's target fetches every source by URL. Fix: give the item's http(s) URL in the source column (local files need a job whose target uploads files)`;
  }
  if (kind === 'file' && URL_SCHEME.test(raw)) {
    return `the source ${quoted(raw)} is a URL where a local file is expected: this job's target uploads files from this machine. Fix: give the file's path (relative to the manifest's folder), or use a job whose target fetches URLs`;
  }
  return undefined;
}

/** Why one of `fields` is too long for the target, or undefined. */
export function fieldLengthProblem(fields: Record<string, string>, checks: ItemChecks): string | undefined {
  // for-in, not Object.entries: this runs for every manifest row, and the entries were garbage.
  for (const field in checks.fieldLimits) {
    const limit = checks.fieldLimits[field]!;
    const value = fields[field];
    // UTF-16 length is never below the character count: count characters only when it may be over.
    if (value === undefined || value.length <= limit) continue;
    const length = characterCount(value);
    if (length <= limit) continue;
    const why = checks.limitReason ? ` (${checks.limitReason})` : '';
    return `the ${field} is ${length.toLocaleString('en-US')} characters long, over the limit of ${limit.toLocaleString('en-US')}${why}. Fix: shorten the ${field} in the manifest to at most ${limit.toLocaleString('en-US')} characters`;
  }
  return undefined;
}

/** The last path segment of a source (a file path or a URL's path), as the target would name the file. */
export function sourceFileName(source: string): string {
  if (URL_SCHEME.test(source)) {
    try {
      return decodeURIComponent(new URL(source).pathname.split('/').pop() ?? '');
    } catch {
      return '';
    }
  }
  return source.split(/[\\/]/).pop() ?? '';
}

/** Why the item's file name (or size) breaks the target's file-name rules, or undefined. */
export function fileNameProblem(source: string, size: number | null, checks: ItemChecks): string | undefined {
  const rules = checks.fileName;
  if (!rules) return undefined;
  const name = sourceFileName(source);
  if (rules.maxLength !== undefined && name.length > rules.maxLength) {
    const length = characterCount(name);
    if (length > rules.maxLength) {
      return `the file name is ${length.toLocaleString('en-US')} characters long; ${rules.by} takes at most ${rules.maxLength}. Fix: rename the file to at most ${rules.maxLength} characters`;
    }
  }
  if (rules.requireExtension && !/\.[^.]+$/.test(name.replace(/^\.+/, ''))) {
    return `the file name ${quoted(name)} has no extension, and ${rules.by} decides what a file is by its extension. Fix: rename the file with the extension of its format (e.g. scan.e57)`;
  }
  if (rules.refuseEmpty && size === 0) return `the file is empty (0 bytes); ${rules.by} does not take empty files. Fix: leave it out of the manifest, or export it again`;
  return undefined;
}

/** An item that breaks the checks, as the rejected row it becomes; undefined when it passes. */
export function rejectionOf(item: ManifestItem, checks: ItemChecks): ManifestEntry | undefined {
  const problem = sourceKindProblem(item.source, checks.source) ?? fieldLengthProblem(item.fields, checks) ?? fileNameProblem(item.source, item.size, checks);
  if (problem === undefined) return undefined;
  return { kind: 'rejected', row: { key: item.key, source: item.source, origin: item.origin, reason: `${item.origin}: ${problem}` } };
}

/** The same manifest with every item that breaks `checks` turned into a rejected row. */
export function withItemChecks(manifest: ManifestSource, checks: ItemChecks): ManifestSource {
  return {
    description: manifest.description,
    async *batches(signal) {
      for await (const batch of manifest.batches(signal)) {
        yield batch.map((entry) => (entry.kind === 'item' ? (rejectionOf(entry.item, checks) ?? entry) : entry));
      }
    },
  };
}

function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function quoted(raw: string): string {
  const shown = raw.split('?')[0]!;
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}…` : shown);
}
