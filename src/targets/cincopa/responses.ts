// Lenient readers of Cincopa's answers. Several shapes are known only from third parties
// (status strings, progress as string or number, page-count key spelling), so each reader
// accepts the variants and normalises them.

export interface UploadStatus {
  state: 'inprogress' | 'done' | 'failed';
  /** The status string as sent; `known` is false for a value ferry has not seen (counted as in progress). */
  status: string;
  known: boolean;
  progressPercent: number | null;
  bytes: number | null;
  /** null while Cincopa reports -1 (unknown). */
  size: number | null;
  rid: string | null;
  message: string;
}

const DONE = /^(done|ready|complete|completed|success|succeeded|finished|processed|ok)$/i;
const FAILED = /^(failed|failure|error|aborted|cancel+ed|rejected|invalid|timeout|timed[ _-]?out)$/i;
const IN_PROGRESS = /^(|inprogress|in[ _-]progress|pending|queued|waiting|started|downloading|uploading|processing|running|transcoding|encoding)$/i;

/** Where the new asset's rid has been seen: `resid` (C9), `rid`, `asset_id` (C10). */
const RID_FIELDS = ['resid', 'rid', 'asset_id'] as const;

export function readUploadStatus(body: Record<string, unknown>): UploadStatus {
  const status = String(body.status ?? '').trim();
  let rid: string | null = null;
  for (const field of RID_FIELDS) {
    const value = body[field];
    if ((typeof value === 'string' && value.trim() !== '') || typeof value === 'number') {
      rid = String(value).trim();
      break;
    }
  }
  const size = toNumber(body.file_size_bytes);
  const message = [body.more, body.debug, body.error_message, body.message].filter((part) => typeof part === 'string' && part !== '').join(' ');
  let state: UploadStatus['state'] = 'inprogress';
  if (body.success === false || FAILED.test(status)) state = 'failed';
  else if (rid !== null || DONE.test(status)) state = 'done';
  const known = DONE.test(status) || FAILED.test(status) || IN_PROGRESS.test(status);
  return { state, status, known, progressPercent: toNumber(body.progress), bytes: toNumber(body.progress_bytes), size: size === null || size < 0 ? null : size, rid, message };
}

export interface Page<T> {
  items: T[];
  pages: number;
}

/** A paged list: items under one of `keys`, the page count under items_data.pages_count or page_count. */
export function readPage<T>(body: Record<string, unknown>, keys: string[]): Page<T> {
  let container: Record<string, unknown> = body;
  if (body.folder && typeof body.folder === 'object') container = body.folder as Record<string, unknown>;
  const key = keys.find((candidate) => Array.isArray(container[candidate]));
  const items = key ? (container[key] as T[]) : [];
  const data = (container.items_data ?? body.items_data ?? {}) as Record<string, unknown>;
  const pages = toNumber(data.pages_count) ?? toNumber(data.page_count) ?? 1;
  return { items, pages: Math.max(1, pages) };
}

/** The rid in the direct upload endpoint's final answer: `new resource id <n> <rid>`. */
export function readNewResourceId(text: string): string | null {
  const match = /new resource id\s+(\d+)\s+([A-Za-z0-9_-]+)/i.exec(text);
  return match ? match[2]! : null;
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}
