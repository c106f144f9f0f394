// Sends a local file to a Cincopa upload URL the way Cincopa's own uploader does: raw chunk
// bodies streamed from disk, `Content-Range: bytes <start>-<end>/<total>` with an EXCLUSIVE
// end, a `unique-id` fixed for all chunks of a file, `X-FILE-NAME` URI-encoded. Each
// acknowledged chunk is checkpointed, so a resumed upload continues at the next chunk.

import { createReadStream } from 'node:fs';
import got from 'got';
import { PermanentError, RetryableError } from '../../core/errors.ts';
import { errorForStatus, errorForTransport } from '../httpErrors.ts';
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
  scrub(text: string): string;
  /** Persist progress after every acknowledged chunk. */
  onChunk(offset: number): Promise<void>;
}

/** Thrown when the upload URL is no longer accepted: the caller asks for a new one. */
export class UploadUrlRejected extends Error {}

export async function uploadChunks(options: ChunkUploadOptions): Promise<string> {
  let offset = options.offset;
  // A zero-byte file is one empty chunk: `bytes 0-0/0`.
  do {
    const end = Math.min(options.size, offset + options.chunkSize);
    const text = await postChunk(options, offset, end);
    if (end === options.size) {
      const rid = readNewResourceId(text);
      if (!rid) throw new RetryableError('cincopa:upload:no-rid', options.scrub(`cincopa upload: the last chunk was accepted but no "new resource id" came back: ${text.slice(0, 200)}`));
      return rid;
    }
    offset = end;
    await options.onChunk(offset);
  } while (offset < options.size);
  throw new PermanentError('cincopa:upload:offset', `cincopa upload: offset ${offset} is past the file's size ${options.size}`);
}

async function postChunk(options: ChunkUploadOptions, start: number, end: number): Promise<string> {
  let response;
  try {
    response = await got.post(options.uploadUrl, {
      body: end > start ? createReadStream(options.file, { start, end: end - 1 }) : '',
      headers: {
        'content-type': 'multipart/form-data',
        'content-length': String(end - start),
        'content-range': `bytes ${start}-${end}/${options.size}`,
        'unique-id': options.uniqueId,
        'x-file-name': encodeURIComponent(options.fileName),
      },
      timeout: { request: options.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'text',
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw errorForTransport(error, `cincopa upload chunk ${start}-${end}`, options.scrub);
  }
  const text = response.body;
  if (/expired|invalid upload url/i.test(text) && response.statusCode === 403) throw new UploadUrlRejected(options.scrub(text));
  if (response.statusCode >= 300) {
    throw errorForStatus(response.statusCode, options.scrub(`cincopa upload chunk ${start}-${end}: HTTP ${response.statusCode}: ${text.slice(0, 200)}`), `cincopa:upload:${response.statusCode}`, response.headers['retry-after']);
  }
  // Cincopa answers failures as text containing "error"; its own uploader retries such a chunk.
  if (/error/i.test(text)) throw new RetryableError('cincopa:upload:error', options.scrub(`cincopa upload chunk ${start}-${end}: ${text.slice(0, 200)}`));
  return text;
}
