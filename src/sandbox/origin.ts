// The origin server Cincopa's upload-from-URL fetches from: real files from a folder, and
// generated files of any size that are never stored (deterministic bytes derived from the
// name), with HEAD and single Range support.

import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { applyFaults, close, listen, sendText } from './http.ts';
import type { Faults } from './faults.ts';
import type { Journal } from './journal.ts';

const BLOCK = 64 * 1024;
const blockCache = new Map<string, Buffer>();

/** The repeating 64 KiB block of a generated file: xorshift32 seeded from the name's sha256. */
function generatedBlock(name: string): Buffer {
  let block = blockCache.get(name);
  if (block) return block;
  let state = createHash('sha256').update(name).digest().readUInt32LE(0) || 1;
  const words = new Uint32Array(BLOCK / 4);
  for (let index = 0; index < words.length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[index] = state >>> 0;
  }
  block = Buffer.from(words.buffer);
  if (blockCache.size > 256) blockCache.delete(blockCache.keys().next().value!);
  blockCache.set(name, block);
  return block;
}

/**
 * Bytes [start, end) of the generated file `name` of `size` bytes (end exclusive, clamped to
 * the size), streamed in at most 64 KiB pieces of one shared block: constant memory at any size.
 */
export function generatedStream(name: string, size: number, start = 0, end = size): Readable {
  const block = generatedBlock(name);
  end = Math.min(end, size);
  let offset = start;
  return new Readable({
    read() {
      if (offset >= end) return void this.push(null);
      const inBlock = offset % BLOCK;
      const length = Math.min(BLOCK - inBlock, end - offset);
      this.push(block.subarray(inBlock, inBlock + length));
      offset += length;
    },
  });
}

export async function generatedContentMd5(name: string, size: number): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of generatedStream(name, size)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface OriginOptions {
  host: string;
  port: number;
  /** Folder of real files, served under `/files/<relative path>` (nothing outside it). */
  root?: string;
  journal: Journal;
  faults: Faults;
}

export interface Origin {
  url: string;
  close(): Promise<void>;
}

export async function startOrigin(options: OriginOptions): Promise<Origin> {
  const root = options.root ? realpathSync(options.root) : undefined;
  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://origin');
    const method = req.method ?? 'GET';
    serve(req, res, url, root, options)
      .then(({ status, fault }) => {
        // The path only: a query string may carry a signature and is no journal material.
        const params: Record<string, string> = { path: url.pathname };
        const size = url.searchParams.get('size');
        if (size !== null) params.size = size;
        const range = req.headers.range;
        if (range) params.range = range;
        options.journal.record({ service: 'origin', method, route: method, params, status, ...(fault ? { fault } : {}), ms: Date.now() - started });
      })
      .catch(() => res.destroy());
  });
  const url = await listen(server, options.host, options.port);
  return { url, close: () => close(server) };
}

async function serve(req: IncomingMessage, res: ServerResponse, url: URL, root: string | undefined, options: OriginOptions): Promise<{ status: number; fault?: string }> {
  const { status: faulted, fault } = await applyFaults(options.faults, 'origin', req.method ?? 'GET', req, res, (_status, message) => `${message}\n`, 403);
  if (faulted !== undefined) return { status: faulted, fault };
  return { status: answer(req, res, url, root), fault };
}

function answer(req: IncomingMessage, res: ServerResponse, url: URL, root: string | undefined): number {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'method not allowed');
    return 405;
  }
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    sendText(res, 400, 'malformed path');
    return 400;
  }
  if (relative.startsWith('/gen/')) {
    const name = relative.slice('/gen/'.length);
    const size = Number(url.searchParams.get('size') ?? 1024 * 1024);
    if (!name || !Number.isSafeInteger(size) || size < 0) {
      sendText(res, 400, 'use /gen/<name>?size=<bytes>');
      return 400;
    }
    return sendRange(req, res, size, path.posix.basename(name), (start, end) => generatedStream(name, size, start, end));
  }
  if (root && relative.startsWith('/files/')) {
    const file = resolveInside(root, relative.slice('/files/'.length));
    if (!file) {
      sendText(res, 404, 'not found');
      return 404;
    }
    return sendRange(req, res, file.size, path.basename(file.path), (start, end) => createReadStream(file.path, { start, end: end - 1 }));
  }
  sendText(res, 404, 'not found');
  return 404;
}

/** The real file `relative` names under `root`, or undefined when missing or (via `..` or a symlink) outside it. */
function resolveInside(root: string, relative: string): { path: string; size: number } | undefined {
  try {
    const real = realpathSync(path.resolve(root, relative));
    if (!real.startsWith(root + path.sep)) return undefined;
    const stats = statSync(real);
    return stats.isFile() ? { path: real, size: stats.size } : undefined;
  } catch {
    return undefined;
  }
}

function sendRange(req: IncomingMessage, res: ServerResponse, size: number, name: string, open: (start: number, end: number) => Readable): number {
  let start = 0;
  let end = size;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      end = range[2] ? Math.min(size, Number(range[2]) + 1) : size;
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start >= size || start >= end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      res.end();
      return 416;
    }
    status = 206;
  }
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'content-length': end - start,
    'accept-ranges': 'bytes',
    'content-disposition': `attachment; filename="${name}"`,
  };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return status;
  }
  // pipeline, not pipe: a client that hangs up must close the file descriptor too.
  pipeline(open(start, end), res, () => undefined);
  return status;
}
