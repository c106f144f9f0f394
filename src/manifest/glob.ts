// Folder manifests through fast-glob: files under a root matched by include/exclude patterns,
// streamed with their size and mtime. Symlinks are never followed, and a symlinked file whose
// target lies outside the root is refused: a job must not upload what its root does not hold.

import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Entry } from 'fast-glob';
import { UsageError } from '../core/errors.ts';
import { inBatches } from './batching.ts';
import type { ManifestEntry, ManifestSource } from './types.ts';

export interface GlobManifestOptions {
  root: string;
  include: string[];
  exclude?: string[];
}

export function openGlobManifest(options: GlobManifestOptions): ManifestSource {
  const root = path.resolve(options.root);
  return {
    description: `${root} (${options.include.join(', ')})`,
    batches: (signal) => inBatches(walk(root, options, signal), 500),
  };
}

async function* walk(root: string, options: GlobManifestOptions, signal?: AbortSignal): AsyncGenerator<ManifestEntry> {
  let realRoot: string;
  try {
    if (!statSync(root).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    realRoot = realpathSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${(error as Error).message})`;
    throw new UsageError(`${root}: the glob root ${reason}. Fix: check source.root in the job file (relative paths start at the job file's folder).`);
  }
  // Loaded here, not at the top: a CSV job's planning thread never needs it.
  const { default: fg } = await import('fast-glob');
  const stream = fg.stream(options.include, {
    cwd: root,
    ignore: options.exclude ?? [],
    // Not onlyFiles: it would drop every symlink silently. Symlinks are listed (never
    // followed into folders) and checked below; folders are skipped.
    onlyFiles: false,
    followSymbolicLinks: false,
    stats: true,
    dot: false,
    absolute: false,
    suppressErrors: false,
  });
  for await (const raw of stream as AsyncIterable<Entry>) {
    signal?.throwIfAborted();
    const relative = raw.path.split(path.sep).join('/');
    const absolute = path.join(root, raw.path);
    const origin = absolute;
    let stats = raw.stats!;
    if (raw.dirent.isDirectory()) continue;
    if (raw.dirent.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(absolute);
        stats = statSync(target);
      } catch {
        yield { kind: 'rejected', row: { key: relative, source: absolute, origin, reason: `${origin}: a broken symbolic link` } };
        continue;
      }
      if (!target.startsWith(realRoot + path.sep)) {
        yield { kind: 'rejected', row: { key: relative, source: absolute, origin, reason: `${origin}: a symbolic link that leads out of the root (to ${target}); not uploaded` } };
        continue;
      }
      if (!stats.isFile()) continue;
    }
    yield {
      kind: 'item',
      item: { key: relative, source: absolute, fields: {}, size: stats.size, mtimeMs: Math.floor(stats.mtimeMs), origin },
    };
  }
  // An empty match is not an error: a nightly job's outbox is often empty.
}
