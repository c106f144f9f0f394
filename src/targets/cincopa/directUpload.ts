// Sends a local file to a Cincopa upload URL the way Cincopa's own uploader does (evidence.md
// C1): raw chunk bodies streamed from disk, `Content-Range: bytes <start>-<end>/<total>` with an
// EXCLUSIVE end, a numeric `unique-id` fixed for all chunks of a file, `X-FILE-NAME`
// URI-encoded. Each acknowledged chunk is checkpointed, so a resumed upload continues at the
// next chunk.
//
// How answers are read: Cincopa's uploader never looks at the HTTP status and treats any answer
// text containing "error" as final for that upload. ferry does the same and more: any 4xx, or a
// 2xx whose text reports an error, means this upload URL is finished (UploadUrlRejected — the
// caller starts the file again with a new URL); only a transport failure (no answer) or a
// 5xx resends the same chunk. No wording of an error text is relied on.

import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.ts';
import type { TargetMetrics } from '../../metrics/types.ts';
import { parseRetryAfter } from '../httpErrors.ts';
import type { Bandwidth } from '../bandwidth.ts';
import { fileRequest } from '../fileRequest.ts';
import type { RequestBudget } from '../requestBudget.ts';
import { readNewResourceId } from './responses.ts';

export interface ChunkUploadOptions {
  uploadUrl: string;
  file: string;
  fileName: string;
  size: number;
  uniqueId: string;
  offset: number;
  chunkSize: number;
  timeoutMs: number;
  signal: AbortSignal;
  budget: RequestBudget;
  /** The run's bandwidth cap: chunk bodies go out at its pace. */
  bandwidth: Bandwidth;
  /** Chunks are reported as `cincopa` / `upload`; acknowledged ones as bytes sent. */
  metrics: TargetMetrics;
  scrub(text: string): string;
  /** Persist progress after every acknowledged chunk. */
  onChunk(offset: number): Promise<void>;
  /** Persist, before the last chunk goes out, that its answer carries the rid. */
  beforeFinalChunk(): Promise<void>;
}

/** The upload URL will take no more chunks (refused, expired, invalid): start over with a new one. */
export class UploadUrlRejected extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export async function uploadChunks(options: ChunkUploadOptions): Promise<string> {
  let offset = options.offset;
  // A zero-byte file is one empty chunk: `bytes 0-0/0`.
  do {
    const end = Math.min(options.size, offset + options.chunkSize);
    if (end === options.size) await options.beforeFinalChunk();
    const text = await postChunk(options, offset, end);
    if (end === options.size) {
      const rid = readNewResourceId(text);
      if (!rid) throw new UploadUrlRejected(options.scrub(`cincopa upload: the last chunk was answered without a "new resource id": ${text.slice(0, 200)}`), 200);
      return rid;
    }
    offset = end;
    await options.onChunk(offset);
  } while (offset < options.size);
  throw new PermanentError('cincopa:upload:offset', `cincopa upload: offset ${offset} is past the file's size ${options.size}`);
}

async function postChunk(options: ChunkUploadOptions, start: number, end: number): Promise<string> {
  await options.budget.take(options.signal);
  const where = `cincopa upload chunk ${start}-${end}`;
  const headers = {
    'content-type': 'multipart/form-data',
    'content-range': `bytes ${start}-${end}/${options.size}`,
    'unique-id': options.uniqueId,
    'x-file-name': encodeURIComponent(options.fileName),
  };
  const body = end > start ? { file: options.file, start, length: end - start } : Buffer.alloc(0);
  const response = await fileRequest('POST', options.uploadUrl, headers, body, end - start, {
    // An idle timer, not a whole-request one: a large chunk at a low bandwidth cap is slow, not stuck.
    stallMs: options.timeoutMs,
    signal: options.signal,
    bandwidth: options.bandwidth,
    metrics: options.metrics,
    scrub: options.scrub,
    target: 'cincopa',
    route: 'upload',
    what: where,
    codePrefix: 'cincopa:upload',
  });
  const text = response.body;
  if (response.status === 429 || (response.status === 503 && response.headers['retry-after'] !== undefined)) {
    throw new RateLimitedError(`cincopa:upload:${response.status}`, options.scrub(`${where}: HTTP ${response.status}`), parseRetryAfter(response.headers['retry-after']));
  }
  if (response.status >= 500 || response.status === 408) throw new RetryableError(`cincopa:upload:${response.status}`, options.scrub(`${where}: HTTP ${response.status}: ${text.slice(0, 200)}`));
  if (response.status >= 300 || /error/i.test(text)) {
    throw new UploadUrlRejected(options.scrub(`${where}: refused (HTTP ${response.status}): ${text.slice(0, 200)}`), response.status);
  }
  options.metrics.bytesSent('cincopa', end - start);
  return text;
}

let lastUniqueId = 0;

/**
 * A `unique-id` as Cincopa's uploader makes it: a 13-digit millisecond timestamp. Two files
 * started in the same millisecond by this process still get different ids.
 */
export function newUniqueId(now = Date.now()): string {
  lastUniqueId = Math.max(now, lastUniqueId + 1);
  return String(lastUniqueId);
}
