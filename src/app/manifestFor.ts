// The job's `source` section → what to read, with paths resolved against the job file's folder.

import path from 'node:path';
import type { LoadedJob } from '../config/load.ts';
import type { ManifestSpec } from '../manifest/open.ts';

export function manifestSpecFor(job: LoadedJob): ManifestSpec {
  const source = job.job.source;
  switch (source.type) {
    case 'csv':
      return { type: 'csv', path: path.resolve(job.baseDir, source.path), columns: source.columns, delimiter: source.delimiter };
    case 'glob':
      return { type: 'glob', root: path.resolve(job.baseDir, source.root), include: source.include, exclude: source.exclude, publicBaseUrl: source.publicBaseUrl };
  }
}
