// The file sender shared by Cincopa direct uploads and Cintoo storage requests: a file range
// goes out whole through one reused buffer; a success that came before the body was all sent
// is not taken for the whole body; a URL it cannot even send to is a classified failure.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/core/errors.ts';
import { NO_TARGET_METRICS } from '../../src/metrics/types.ts';
import { UNCAPPED } from '../../src/targets/bandwidth.ts';
import { fileRequest, type FileRequestOptions } from '../../src/targets/fileRequest.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
}

const options = (): FileRequestOptions => ({
  stallMs: 10_000,
  signal: new AbortController().signal,
  bandwidth: UNCAPPED,
  metrics: NO_TARGET_METRICS,
  scrub: (text) => text,
  target: 'test',
  route: 'upload',
  what: 'test upload',
  codePrefix: 'test:upload',
});

function fileOf(bytes: Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-file-request-')), 'body.bin');
  writeFileSync(file, bytes);
  return file;
}

describe('fileRequest', () => {
  it('sends a file range whole, byte for byte', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = fileOf(bytes);
    let received = '';
    const url = await serve((req, res) => {
      const hash = createHash('md5');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => {
        received = hash.digest('hex');
        res.end('ok');
      });
    });
    const answer = await fileRequest('POST', url, {}, { file, start: 1000, length: bytes.length - 2000 }, bytes.length - 2000, options());
    expect(answer.status).toBe(200);
    expect(received).toBe(createHash('md5').update(bytes.subarray(1000, bytes.length - 1000)).digest('hex'));
  });

  it('does not take a success that came before the body was all sent for the whole body', async () => {
    const file = fileOf(randomBytes(8 * 1024 * 1024));
    // Answers at once, without reading the body.
    const url = await serve((_req, res) => res.end('{"success":true}'));
    const sent = fileRequest('POST', url, {}, { file, start: 0, length: 8 * 1024 * 1024 }, 8 * 1024 * 1024, options());
    await expect(sent).rejects.toBeInstanceOf(RetryableError);
    await expect(sent).rejects.toThrow(/early|HTTP 200 after \d+ of 8388608 bytes/);
  });

  it('a URL it cannot send to is a classified transport failure, not a TypeError', async () => {
    await expect(fileRequest('POST', 'not a url', {}, Buffer.from('x'), 1, options())).rejects.toBeInstanceOf(RetryableError);
    await expect(fileRequest('POST', 'http://127.0.0.1:9/upload', { 'bad\nheader': 'x' }, Buffer.from('x'), 1, options())).rejects.toBeInstanceOf(RetryableError);
  });
});
