// What a manifest (CSV file or folder globs) turns into: a stream of items with stable keys.

/** One item as read from a manifest, before the ledger has seen it. */
export interface ManifestItem {
  /** Stable identity across runs: a key column, the path relative to the glob root, or the URL. */
  key: string;
  /** Where the bytes are: an http(s) URL or an absolute local file path. */
  source: string;
  /** Mapped metadata from the manifest (title, description, tags, reference, ...). */
  fields: Record<string, string>;
  // Together, source, fields, size and mtimeMs are the item's content: a re-plan that finds any of
  // them different from what the ledger holds treats the item as changed (the job's policy).
  /** Size in bytes when the manifest knows it (glob: stat size). */
  size: number | null;
  /** Modification time in epoch ms when known (glob: stat mtime). */
  mtimeMs: number | null;
  /** Where this item came from, for messages: `file:line` or the file path. */
  origin: string;
}

/**
 * A row the manifest could read but not accept (missing URL, bad value). The planner records it
 * as a failed item with this reason, so the other rows proceed and the report shows it.
 */
export interface RejectedRow {
  key: string;
  /**
   * The source as the manifest gave it (trimmed; possibly empty or not a usable URL): the
   * failed-only report shows it, so the operator can fix the row without hunting for it.
   */
  source: string;
  origin: string;
  reason: string;
}

export type ManifestEntry = { kind: 'item'; item: ManifestItem } | { kind: 'rejected'; row: RejectedRow };

/**
 * A streamed manifest. Iterating never holds the whole manifest in memory (see batching.ts
 * for why entries come in batches, and `eachEntry` for one at a time).
 * Errors: a file-level problem (missing/unreadable file, malformed CSV, missing mapped column,
 * nonexistent glob root, invalid UTF-8) throws `UsageError` naming file, line and reason.
 */
export interface ManifestSource {
  /** Human description: the file or root read. */
  readonly description: string;
  /** The entries in manifest order, in batches whose size is the source's choice. */
  batches(signal?: AbortSignal): AsyncIterable<ManifestEntry[]>;
}
