// The job's `source` section → a streamed manifest.

import path from 'node:path';
import type { LoadedJob } from '../config/load.ts';
import { openCsvManifest } from '../manifest/csv.ts';
import { openGlobManifest } from '../manifest/glob.ts';
import type { ManifestSource } from '../manifest/types.ts';

export function manifestFor(job: LoadedJob): ManifestSource {
  const source = job.job.source;
  switch (source.type) {
    case 'csv':
      return openCsvManifest({ path: path.resolve(job.baseDir, source.path), columns: source.columns, delimiter: source.delimiter });
    case 'glob': {
      const files = openGlobManifest({ root: path.resolve(job.baseDir, source.root), include: source.include, exclude: source.exclude });
      return source.publicBaseUrl ? servedAt(files, source.publicBaseUrl) : files;
    }
  }
}

/** The same files, with each source replaced by its URL under `baseUrl` (key = relative path). */
function servedAt(files: ManifestSource, baseUrl: string): ManifestSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    description: `${files.description} served at ${base}`,
    async *batches(signal) {
      for await (const batch of files.batches(signal)) {
        yield batch.map((entry) => {
          if (entry.kind === 'rejected') return entry;
          const url = new URL(entry.item.key.split('/').map(encodeURIComponent).join('/'), base).href;
          return { kind: 'item', item: { ...entry.item, source: url } };
        });
      }
    },
  };
}
