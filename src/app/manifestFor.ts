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
    case 'glob':
      return openGlobManifest({ root: path.resolve(job.baseDir, source.root), include: source.include, exclude: source.exclude });
  }
}
