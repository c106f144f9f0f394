// A manifest described by plain data, so the thread that reads it can be another than the one
// that decided what to read (planning reads manifests on a worker thread). `checks` — what the
// job's target accepts — is plain data too, for the same reason.

import { openCsvManifest, type CsvManifestOptions } from './csv.ts';
import { openGlobManifest, type GlobManifestOptions } from './glob.ts';
import { withItemChecks, type ItemChecks } from './itemChecks.ts';
import type { ManifestSource } from './types.ts';

export type ManifestSpec =
  | ({ type: 'csv' } & CsvManifestOptions)
  /** `publicBaseUrl`: the files are served there, so each source becomes its URL (key = relative path). */
  | ({ type: 'glob'; publicBaseUrl?: string; checks?: ItemChecks } & GlobManifestOptions);

export function openManifest(spec: ManifestSpec): ManifestSource {
  switch (spec.type) {
    case 'csv':
      // The CSV reader checks each row itself, where it still has the values as written.
      return openCsvManifest(spec);
    case 'glob': {
      const files = openGlobManifest(spec);
      const items = spec.publicBaseUrl ? servedAt(files, spec.publicBaseUrl) : files;
      return spec.checks ? withItemChecks(items, spec.checks) : items;
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
