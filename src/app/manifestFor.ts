// The job's `source` section → what to read, with paths resolved against the job file's folder,
// and the rules of the job's target (its registration's itemRules) for the reader to check rows
// against: plain data, so they can cross to the planning worker thread with the rest.

import path from 'node:path';
import type { LoadedJob } from '../config/load.ts';
import type { ItemChecks } from '../manifest/itemChecks.ts';
import type { ManifestSpec } from '../manifest/open.ts';
import { registrationFor } from '../targets/registry.ts';

export function manifestSpecFor(job: LoadedJob): ManifestSpec {
  const source = job.job.source;
  const checks = itemChecksFor(job);
  switch (source.type) {
    case 'csv':
      return { type: 'csv', path: path.resolve(job.baseDir, source.path), columns: source.columns, delimiter: source.delimiter, checks };
    case 'glob':
      return { type: 'glob', root: path.resolve(job.baseDir, source.root), include: source.include, exclude: source.exclude, publicBaseUrl: source.publicBaseUrl, checks };
  }
}

function itemChecksFor(job: LoadedJob): ItemChecks {
  const rules = registrationFor(job.job.target.type).itemRules(job.job.target);
  return { source: rules.source, fieldLimits: { ...rules.fieldLimits }, ...(rules.limitReason === undefined ? {} : { limitReason: rules.limitReason }) };
}
