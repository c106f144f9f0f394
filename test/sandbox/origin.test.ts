// The origin server: real files (never outside the root), generated files of any size in
// constant memory, HEAD, single ranges, and faults.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Faults } from '../../src/sandbox/faults.ts';
import { Journal } from '../../src/sandbox/journal.ts';
import { generatedContentMd5, generatedStream, startOrigin, type Origin } from '../../src/sandbox/origin.ts';

const execFileAsync = promisify(execFile);
const journal = new Journal();
const faults = new Faults();
let origin: Origin;
let root: string;

beforeAll(async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'ferry-origin-'));
  root = path.join(base, 'root');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(root, 'sub', 'hello world.txt'), 'hello, origin\n');
  writeFileSync(path.join(base, 'secret.txt'), 'outside the root');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
  origin = await startOrigin({ host: '127.0.0.1', port: 0, root, journal, faults });
});
afterAll(async () => {
  await origin?.close();
});
beforeEach(() => {
  faults.clear();
  journal.clear();
});

/** A raw request (no URL normalisation), answering status, headers and the body's bytes. */
function raw(pathname: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin.url}${pathname}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

describe('origin: real files', () => {
  it('serves a file under /files/ with its size and accepts ranges', async () => {
    const full = await raw('/files/sub/hello%20world.txt');
    expect(full.status).toBe(200);
    expect(full.body.toString()).toBe('hello, origin\n');
    expect(full.headers['accept-ranges']).toBe('bytes');
    const part = await raw('/files/sub/hello%20world.txt', { headers: { range: 'bytes=7-12' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 7-12/14');
    expect(part.body.toString()).toBe('origin');
  });

  it('never serves anything outside the root: .. paths and symlinks answer 404', async () => {
    for (const pathname of ['/files/../secret.txt', '/files/..%2Fsecret.txt', '/files/sub/..%2F..%2Fsecret.txt', '/files/escape.txt', '/files/%2Fetc%2Fpasswd']) {
      const answer = await raw(pathname);
      expect(answer.status, pathname).toBe(404);
      expect(answer.body.toString()).not.toContain('outside the root');
    }
    expect((await raw('/files/sub/missing.txt')).status).toBe(404);
    expect((await raw('/nothing-here')).status).toBe(404);
  });
});

describe('origin: generated files', () => {
  it('GET serves deterministic bytes whose md5 matches generatedContentMd5', async () => {
    const size = 200_000 + 7; // not a multiple of the 64 KiB block
    const answer = await raw(`/gen/clip.mp4?size=${size}`);
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(size);
    expect(md5(answer.body)).toBe(await generatedContentMd5('clip.mp4', size));
    expect(md5(answer.body)).not.toBe(await generatedContentMd5('other.mp4', size)); // the name seeds the bytes
    expect(answer.headers['content-disposition']).toContain('clip.mp4');
  });

  it('HEAD answers the size with no body', async () => {
    const answer = await raw('/gen/big.bin?size=123456789', { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe('123456789');
    expect(answer.body.length).toBe(0);
  });

  it('a single Range answers 206 with exactly those bytes; unsatisfiable ranges 416', async () => {
    const size = 300_000;
    const whole = (await raw(`/gen/r.bin?size=${size}`)).body;
    const middle = await raw(`/gen/r.bin?size=${size}`, { headers: { range: 'bytes=65530-131080' } });
    expect(middle.status).toBe(206);
    expect(middle.headers['content-range']).toBe(`bytes 65530-131080/${size}`);
    expect(middle.body.equals(whole.subarray(65530, 131081))).toBe(true);
    const suffix = await raw(`/gen/r.bin?size=${size}`, { headers: { range: 'bytes=-10' } });
    expect(suffix.body.equals(whole.subarray(size - 10))).toBe(true);
    const open = await raw(`/gen/r.bin?size=${size}`, { headers: { range: 'bytes=299990-' } });
    expect(open.headers['content-range']).toBe(`bytes 299990-299999/${size}`);
    const beyond = await raw(`/gen/r.bin?size=${size}`, { headers: { range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('generatedStream pieces share one block: constant memory whatever the size', async () => {
    const buffers = new Set<ArrayBufferLike>();
    let total = 0;
    for await (const chunk of generatedStream('huge.bin', 10 * 1024 * 1024 * 1024, 5, 5 + 2_000_000)) {
      buffers.add((chunk as Buffer).buffer);
      total += (chunk as Buffer).length;
    }
    expect(total).toBe(2_000_000);
    expect(buffers.size).toBe(1);
  });

  it('streams a 50 MB generated file over HTTP without memory growing with it', { timeout: 30_000 }, async () => {
    const size = 50 * 1024 * 1024;
    const expected = await generatedContentMd5('fifty.bin', size);
    // The client is another process, so this process's memory is the server's alone.
    const client = `const h=require('node:crypto').createHash('md5');let n=0;require('node:http').get(process.argv[1],r=>{r.on('data',c=>{n+=c.length;h.update(c)});r.on('end',()=>console.log(n+' '+h.digest('hex')))})`;
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers - before.arrayBuffers, now.external - before.external);
    }, 5);
    try {
      const { stdout } = await execFileAsync(process.execPath, ['-e', client, `${origin.url}/gen/fifty.bin?size=${size}`]);
      expect(stdout.trim()).toBe(`${size} ${expected}`);
    } finally {
      clearInterval(sampler);
    }
    // Buffered, the file would add 50 MB of buffers; streamed, one 64 KiB block and socket buffers.
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  });

  it('rejects a bad size', async () => {
    expect((await raw('/gen/x.bin?size=-1')).status).toBe(400);
    expect((await raw('/gen/x.bin?size=abc')).status).toBe(400);
  });
});

describe('origin: faults and journal', () => {
  it('applies origin faults by method and journals them without query strings', async () => {
    faults.add({ service: 'origin', route: 'GET', kind: 'status', status: 500, times: 1 });
    faults.add({ service: 'origin', route: 'HEAD', kind: 'rate-limit', retryAfterSec: 3, times: 1 });
    expect((await raw('/gen/a.bin?size=10&sig=secret')).status).toBe(500);
    expect((await raw('/gen/a.bin?size=10&sig=secret')).status).toBe(200);
    const limited = await raw('/gen/a.bin?size=10', { method: 'HEAD' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3');
    const entries = journal.entries({ service: 'origin' });
    expect(entries.map((entry) => [entry.route, entry.status, entry.fault])).toEqual([
      ['GET', 500, 'status'],
      ['GET', 200, undefined],
      ['HEAD', 429, 'rate-limit'],
    ]);
    expect(entries[0]!.params).toEqual({ path: '/gen/a.bin', size: '10' });
    expect(JSON.stringify(entries)).not.toContain('secret');
  });

  it('a reset fault cuts the body after the headers', async () => {
    faults.add({ service: 'origin', route: 'GET', kind: 'reset', times: 1 });
    await expect(raw('/gen/a.bin?size=100000')).rejects.toThrow();
    expect((await raw('/gen/a.bin?size=100000')).body.length).toBe(100000);
  });
});
