// Requests to the signed storage URLs Cintoo hands out (Azure Blob Storage: Put Blob, Put Block,
// Put Block List, Get Block List), sent by fileRequest.ts: bodies streamed from disk or from one
// pooled block buffer with back-pressure, every slice through the run's bandwidth cap, and the
// socket's idle timer as the stall detector.
//
// Answers are classified here: 2xx is success; 403 is a refused URL (expired, or signed without
// the permission) — `StorageUrlRefused`, which the caller answers by signing again; 429/503 are
// the storage pushing back; 5xx and transport failures are retryable; other 4xx are permanent.

import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.ts';
import type { TargetMetrics } from '../../metrics/types.ts';
import type { Bandwidth } from '../bandwidth.ts';
import { fileRequest, type Body, type FileAnswer } from '../fileRequest.ts';
import { parseRetryAfter } from '../httpErrors.ts';

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

export type StorageAnswer = FileAnswer;

export interface TransferOptions {
  /** Cut the request when no byte moved for this long. */
  stallMs: number;
  signal: AbortSignal;
  bandwidth: Bandwidth;
  /** Each request is reported as `cintoo` / `PUT blob`, `PUT blob block`, `PUT blob blocklist` or `GET blob blocklist`. */
  metrics: TargetMetrics;
  scrub(text: string): string;
}

/** Sends one request to a signed storage URL; resolves with the answer whatever its status (see `classify`). */
export function storageRequest(method: 'GET' | 'PUT', url: string, headers: Record<string, string>, body: Body | undefined, length: number, options: TransferOptions): Promise<StorageAnswer> {
  const target = new URL(url);
  const comp = target.searchParams.get('comp');
  return fileRequest(method, url, headers, body, length, { ...options, target: 'cintoo', route: `${method} blob${comp ? ` ${comp}` : ''}`, what: `storage ${method} ${describe(target)}`, codePrefix: 'cintoo:storage' });
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
