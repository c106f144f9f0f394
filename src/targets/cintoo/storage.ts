// Requests to the signed storage URLs Cintoo hands out (Azure Blob Storage: Put Blob, Put Block,
// Put Block List, Get Block List). Plain node:http(s) rather than got: bodies are streamed from
// disk or from one pooled block buffer with back-pressure, every slice passes the run's
// bandwidth cap, and the socket's idle timer is the stall detector — a transfer that moves no
// byte either way for `stallMs` is cut (and retried by the caller), whether the far end stopped
// reading mid-body or never answers.
//
// Answers are classified here: 2xx is success; 403 is a refused URL (expired, or signed without
// the permission) — `StorageUrlRefused`, which the caller answers by signing again; 429/503 are
// the storage pushing back; 5xx and transport failures are retryable; other 4xx are permanent.

import { open } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.ts';
import type { TargetMetrics } from '../../metrics/types.ts';
import { type Bandwidth } from '../bandwidth.ts';
import { errorForTransport, parseRetryAfter } from '../httpErrors.ts';

/** Cintoo's tutorial asks for this on every upload. */
export const CACHE_CONTROL = 'max-age=2592000';

/** Storage refused the signed URL itself (HTTP 403): sign again for a new one. */
export class StorageUrlRefused extends Error {
  readonly storageCode: string;
  constructor(message: string, storageCode: string) {
    super(message);
    this.name = 'StorageUrlRefused';
    this.storageCode = storageCode;
  }
}

export interface StorageAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TransferOptions {
  /** Cut the request when no byte moved for this long. */
  stallMs: number;
  signal: AbortSignal;
  bandwidth: Bandwidth;
  /** Each request is reported as `cintoo` / `PUT blob`, `PUT blob block`, `PUT blob blocklist` or `GET blob blocklist`. */
  metrics: TargetMetrics;
  scrub(text: string): string;
}

// Keep-alive: thousands of blocks to one host reuse a few connections.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

/** A stretch of a local file, read into one reused buffer as it is sent (no allocation per chunk). */
export interface FileRange {
  file: string;
  start: number;
  length: number;
}

/** The body of a request: bytes in memory, or a stretch of a file. */
export type Body = Buffer | FileRange;

/** Chunks of a file range go out through this one buffer; each is flushed before the next read. */
const READ_CHUNK = 512 * 1024;

/** Sends one request; resolves with the answer whatever its status (see `classify`). */
export function storageRequest(method: 'GET' | 'PUT', url: string, headers: Record<string, string>, body: Body | undefined, length: number, options: TransferOptions): Promise<StorageAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const what = `storage ${method} ${describe(target)}`;
  const started = performance.now();
  const comp = target.searchParams.get('comp');
  const metric = `${method} blob${comp ? ` ${comp}` : ''}`;
  return new Promise<StorageAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, answer?: StorageAnswer): void => {
      if (settled) return;
      settled = true;
      options.metrics.request('cintoo', metric, answer ? answer.status : options.signal.aborted ? 'aborted' : 'network', (performance.now() - started) / 1000);
      options.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(answer!);
    };
    const req = send(target, {
      method,
      agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
      headers: { ...headers, 'content-length': String(length) },
    });
    const onAbort = (): void => {
      req.destroy();
      finish(options.signal.reason);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    req.setTimeout(options.stallMs, () => {
      if (settled) return; // an idle keep-alive socket after the answer: not this request's stall
      req.destroy();
      finish(new RetryableError('cintoo:storage:stalled', options.scrub(`${what}: no byte moved for ${Math.round(options.stallMs / 1000)} s; cut to try again`)));
    });
    req.on('error', (error) => finish(options.signal.aborted ? options.signal.reason : errorForTransport(error, what, options.scrub)));
    // An answer before the whole body went out (a refusal): stop sending, and do not reuse the connection.
    const progress = { answered: false, sent: false };
    req.on('response', (response: IncomingMessage) => {
      progress.answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
      response.on('end', () => {
        if (!progress.sent) req.destroy();
        finish(undefined, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (error) => finish(errorForTransport(error, what, options.scrub)));
    });
    writeBody(req, body, options, progress).then(
      () => {
        if (progress.answered) return;
        progress.sent = true;
        req.end();
      },
      (error: unknown) => {
        req.destroy();
        finish(options.signal.aborted ? options.signal.reason : sourceError(error));
      },
    );
  });
}

/** A failure to read the body's source (the local file), classified. */
function sourceError(error: unknown): unknown {
  if (error instanceof PermanentError || error instanceof RetryableError) return error;
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new PermanentError('cintoo:source-vanished', `the file vanished during its upload: ${(error as Error).message}`);
  return new RetryableError('cintoo:source-read', `reading the file for its upload failed: ${(error as Error).message}`);
}

/**
 * Writes the body in slices the bandwidth cap lets through. A file range is read chunk by chunk
 * into one buffer, and each chunk is flushed to the socket before the buffer is read into again:
 * a multi-GB upload allocates one buffer, not a new one per chunk for the collector to find.
 */
async function writeBody(req: ReturnType<typeof httpRequest>, body: Body | undefined, options: TransferOptions, progress: { answered: boolean }): Promise<void> {
  if (body === undefined) return;
  const send = async (chunk: Buffer): Promise<boolean> => {
    const slice = options.bandwidth.sliceBytes;
    for (let offset = 0; offset < chunk.length; offset += slice) {
      const part = offset === 0 && slice >= chunk.length ? chunk : chunk.subarray(offset, Math.min(chunk.length, offset + slice));
      await options.bandwidth.take(part.length, options.signal);
      if (req.destroyed || progress.answered) return false;
      await flushed(req, part, options.signal);
    }
    return true;
  };
  if (Buffer.isBuffer(body)) {
    await send(body);
    return;
  }
  const file = await open(body.file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(1, body.length)));
    for (let sent = 0; sent < body.length; ) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, body.length - sent), body.start + sent);
      if (bytesRead === 0) throw new PermanentError('cintoo:source-changed', `the file ${body.file} is shorter than when it was hashed`);
      if (!(await send(buffer.subarray(0, bytesRead)))) return;
      sent += bytesRead;
    }
  } finally {
    await file.close();
  }
}

/** Writes `chunk` and resolves once it has left Node's buffers (so its memory may be reused). */
function flushed(req: ReturnType<typeof httpRequest>, chunk: Buffer, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    req.once('close', done);
    signal.addEventListener('abort', done, { once: true });
    req.write(chunk, () => done());
  });
}

/** Success, or the classified failure of a storage answer. */
export function classify(answer: StorageAnswer, what: string, scrub: (text: string) => string): StorageAnswer {
  const { status } = answer;
  if (status >= 200 && status < 300) return answer;
  const code = (answer.headers['x-ms-error-code'] as string | undefined) ?? /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1] ?? '';
  const message = scrub(`${what}: HTTP ${status}${code ? ` ${code}` : ''}`);
  if (status === 403) throw new StorageUrlRefused(message, code);
  if (status === 429 || (status === 503 && answer.headers['retry-after'] !== undefined)) throw new RateLimitedError(`cintoo:storage:${status}`, message, parseRetryAfter(answer.headers['retry-after']));
  if (status === 408 || status >= 500) throw new RetryableError(`cintoo:storage:${status}`, message);
  // The bytes storage received were not the bytes hashed: the file changed, or they were damaged on the way.
  if (code === 'Md5Mismatch' || code === 'InvalidMd5') throw new RetryableError(`cintoo:storage:${code}`, `${message}: the bytes sent do not have the MD5 ferry computed (the file may have changed)`);
  throw new PermanentError(`cintoo:storage:${code || status}`, message);
}

/** A signed URL for messages: host and path, never the signature. */
function describe(url: URL): string {
  const comp = url.searchParams.get('comp');
  return `${url.host}${url.pathname}${comp ? ` (${comp})` : ''}`;
}

/** The permissions a SAS URL was signed with (`sp`), when it says. */
export function sasPermissions(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('sp') ?? undefined;
  } catch {
    return undefined;
  }
}
