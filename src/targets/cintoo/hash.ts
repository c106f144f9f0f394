// The whole file's MD5, which Cintoo wants before it signs an upload URL. Streamed from disk
// (never held in memory), persisted with the size and mtime it was computed for, so a file
// that has not changed is never hashed twice: not after a crash, a retry or `ferry retry`.

import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { PermanentError, RetryableError } from '../../core/errors.ts';
import type { CintooRemote } from './remote.ts';

export interface FileFacts {
  size: number;
  mtimeMs: number;
}

/** Size and mtime now; a vanished or unreadable file fails the item with the reason. */
export async function fileFacts(file: string): Promise<FileFacts> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new PermanentError('cintoo:source-not-a-file', `the source ${file} is not a regular file`);
    return { size: info.size, mtimeMs: Math.floor(info.mtimeMs) };
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PermanentError('cintoo:source-vanished', `the file ${file} is gone (it was there when the manifest was planned). Fix: restore it, or run again to re-plan the folder`);
    throw new PermanentError('cintoo:source-unreadable', `the file ${file} cannot be read (${(error as Error).message})`);
  }
}

/** Whether the remote's hash was made from the file as it is now. */
export function hashIsCurrent(remote: CintooRemote, facts: FileFacts): boolean {
  return remote.md5 !== undefined && remote.hashedSize === facts.size && remote.hashedMtimeMs === facts.mtimeMs;
}

/**
 * The file's lowercase hex MD5. A file that changes while it is read (size or mtime differ
 * before and after) gives no hash: a retryable error, so the next attempt reads it again.
 */
export async function md5OfFile(file: string, before: FileFacts, signal?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  // One buffer read into again and again: hashing terabytes allocates nothing per chunk.
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  try {
    const handle = await open(file, 'r');
    try {
      for (let bytesRead = -1; bytesRead !== 0; ) {
        signal?.throwIfAborted();
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
        hash.update(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PermanentError('cintoo:source-vanished', `the file ${file} vanished while it was being hashed`);
    throw new RetryableError('cintoo:hash', `reading ${file} failed: ${(error as Error).message}`);
  }
  const after = await fileFacts(file);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new RetryableError('cintoo:source-changing', `the file ${file} changed while it was being hashed (${before.size} → ${after.size} bytes); it is hashed again on the next attempt`);
  }
  return hash.digest('hex');
}

/** Lowercase hex MD5 → the base64 of its bytes, as Content-MD5 headers want it. */
export const md5Base64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
