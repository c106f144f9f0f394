// One HTTP request whose body is a stretch of a local file (or a few bytes in memory), over
// plain node:http(s): Cintoo's signed storage URLs and Cincopa's direct upload URLs. Not got:
// the file is read chunk by chunk into one reused buffer, and each chunk is flushed to the
// socket before the buffer is read into again. A stream of fresh buffers (what a file stream
// piped into got gives) left up to V8's external-memory threshold of dead buffers between
// collections: 175 MB of RSS for 8 × 256 MiB direct uploads instead of ~120.
//
// Every slice passes the run's bandwidth cap, and the socket's idle timer is the stall
// detector: a transfer that moves no byte either way for `stallMs` is cut (and retried by the
// caller), whether the connection never opens, the far end stopped reading mid-body or never
// answers. The answer is returned whatever its status, for the caller to classify, except a
// success that came before the whole body was handed to the socket: it cannot be for all of it.
// A URL no request can even be made to is a transport failure, as a connection error is.

import { open } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PermanentError, RetryableError } from '../core/errors.ts';
import type { TargetMetrics } from '../metrics/types.ts';
import type { Bandwidth } from './bandwidth.ts';
import { errorForTransport } from './httpErrors.ts';

export interface FileAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stretch of a local file, read into one reused buffer as it is sent (no allocation per chunk). */
export interface FileRange {
  file: string;
  start: number;
  length: number;
}

/** The body of a request: bytes in memory, or a stretch of a file. */
export type Body = Buffer | FileRange;

export interface FileRequestOptions {
  /** Cut the request when no byte moved for this long. */
  stallMs: number;
  signal: AbortSignal;
  bandwidth: Bandwidth;
  metrics: TargetMetrics;
  scrub(text: string): string;
  /** The platform, for metrics and error codes (`cintoo`, `cincopa`). */
  target: string;
  /** The call's fixed name for metrics (`PUT blob`, `upload`). */
  route: string;
  /** The request in messages (never a signature): `storage PUT host/path`, `cincopa upload chunk 0-100`. */
  what: string;
  /** Prefix of this request's own error codes (`cintoo:storage` → `cintoo:storage:stalled`). */
  codePrefix: string;
}

// Keep-alive: thousands of blocks or chunks to one host reuse a few connections.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

/** Chunks of a file range go out through this one buffer; each is flushed before the next read. */
const READ_CHUNK = 512 * 1024;

/** Sends one request; resolves with the answer whatever its status. */
export async function fileRequest(method: 'GET' | 'PUT' | 'POST', url: string, headers: Record<string, string>, body: Body | undefined, length: number, options: FileRequestOptions): Promise<FileAnswer> {
  const { what } = options;
  let target: URL;
  try {
    target = new URL(url);
  } catch (error) {
    throw errorForTransport(error, what, options.scrub);
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const started = performance.now();
  return new Promise<FileAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, answer?: FileAnswer): void => {
      if (settled) return;
      settled = true;
      options.metrics.request(options.target, options.route, answer ? answer.status : options.signal.aborted ? 'aborted' : 'network', (performance.now() - started) / 1000);
      options.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(answer!);
    };
    let req: ReturnType<typeof httpRequest>;
    try {
      req = send(target, {
        method,
        agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
        headers: { ...headers, 'content-length': String(length) },
        // As an option, not req.setTimeout: then the timer also runs while connecting.
        timeout: options.stallMs,
      });
    } catch (error) {
      // Refused before any byte left (a malformed URL, a bad header): a transport failure.
      settled = true;
      reject(errorForTransport(error, what, options.scrub));
      return;
    }
    const onAbort = (): void => {
      req.destroy();
      finish(options.signal.reason);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    req.on('timeout', () => {
      if (settled) return; // an idle keep-alive socket after the answer: not this request's stall
      req.destroy();
      finish(new RetryableError(`${options.codePrefix}:stalled`, options.scrub(`${what}: no byte moved for ${Math.round(options.stallMs / 1000)} s; cut to try again`)));
    });
    req.on('error', (error) => finish(options.signal.aborted ? options.signal.reason : errorForTransport(error, what, options.scrub)));
    // An answer before the whole body went out (a refusal): stop sending, and do not reuse the connection.
    const progress = { answered: false, sent: false, queued: 0 };
    req.on('response', (response: IncomingMessage) => {
      progress.answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
      response.on('end', () => {
        if (!progress.sent) req.destroy();
        const status = response.statusCode ?? 0;
        // A success for a body that had not all been handed to the socket cannot be for all of it.
        if (status >= 200 && status < 300 && progress.queued < length) {
          finish(new RetryableError(`${options.codePrefix}:early-answer`, options.scrub(`${what}: HTTP ${status} after ${progress.queued} of ${length} bytes; sent again`)));
          return;
        }
        finish(undefined, { status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
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
        finish(options.signal.aborted ? options.signal.reason : sourceError(error, options.target));
      },
    );
  });
}

/** A failure to read the body's source (the local file), classified. */
function sourceError(error: unknown, target: string): unknown {
  if (error instanceof PermanentError || error instanceof RetryableError) return error;
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new PermanentError(`${target}:source-vanished`, `the file vanished during its upload: ${(error as Error).message}`);
  return new RetryableError(`${target}:source-read`, `reading the file for its upload failed: ${(error as Error).message}`);
}

/** Writes the body in slices the bandwidth cap lets through, a file range through one reused buffer. */
async function writeBody(req: ReturnType<typeof httpRequest>, body: Body | undefined, options: FileRequestOptions, progress: { answered: boolean; queued: number }): Promise<void> {
  if (body === undefined) return;
  const send = async (chunk: Buffer): Promise<boolean> => {
    const slice = options.bandwidth.sliceBytes;
    for (let offset = 0; offset < chunk.length; offset += slice) {
      const part = offset === 0 && slice >= chunk.length ? chunk : chunk.subarray(offset, Math.min(chunk.length, offset + slice));
      await options.bandwidth.take(part.length, options.signal);
      if (req.destroyed || progress.answered) return false;
      progress.queued += part.length;
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
      if (bytesRead === 0) throw new PermanentError(`${options.target}:source-changed`, `the file ${body.file} is shorter than when its upload was planned (it changed)`);
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
