import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import got, { type OptionsInit } from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { SecretRegistry, scrubText, scrubUrl } from '../../src/log/redact.ts';

const TOKEN = 'cp-token-7f3a9c1e55d2';
const SAS_SIG = 'K9b3%2FqZ8xYtLw0aPq1R2s3T4u5V6w7X8y9Z0aBcDeF%3D';
const REFRESH = 'rt-91ab77c0e4f3d2';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/reset')) return req.socket.destroy();
    res.writeHead(req.url?.startsWith('/v2/') ? 403 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: false, message: 'nope', refresh_token: REFRESH }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function captureLogger(): { log: ReturnType<typeof createLogger>; output: () => string } {
  const secrets = new SecretRegistry();
  secrets.add(TOKEN);
  secrets.add(REFRESH);
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { log: createLogger({ secrets, destination: stream, pretty: false }), output: () => text };
}

async function gotError(url: string, options: OptionsInit = {}): Promise<Error> {
  try {
    await got(url, { retry: { limit: 0 }, ...options } as OptionsInit);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

describe('secret scrubbing in logs', () => {
  it('removes the api_token from a real got HTTPError (its message embeds the URL)', async () => {
    const error = await gotError(`${base}/v2/ping.json?api_token=${TOKEN}`);
    expect(error.message).toContain(TOKEN); // got really does leak it: the reason for the scrubber
    const { log, output } = captureLogger();
    log.error({ err: error }, `call to ${base}/v2/ping.json?api_token=${TOKEN} failed`);
    expect(output()).not.toContain(TOKEN);
    expect(output()).toContain('/v2/ping.json?api_token=***');
    expect(output()).toContain('403');
  });

  it('removes SAS signatures and the whole signed query string of a storage URL', async () => {
    const sas = `${base}/cintoo-uploads/blob-1.e57?sv=2021-08-06&se=2026-11-24T10%3A00%3A00Z&sr=b&sp=cw&sig=${SAS_SIG}`;
    const error = await gotError(sas, { method: 'PUT', body: 'x' });
    const { log, output } = captureLogger();
    log.warn({ err: error, url: sas }, 'upload failed');
    expect(output()).not.toContain(SAS_SIG);
    expect(output()).not.toContain('sp=cw');
    expect(output()).toContain('/cintoo-uploads/blob-1.e57?***');
  });

  it('removes Authorization headers and bearer tokens, also inside causes', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz';
    const error = await gotError(`${base}/reset`, { headers: { authorization: `Bearer ${jwt}` } });
    const wrapped = new Error(`register failed with Bearer ${jwt}`, { cause: error });
    const { log, output } = captureLogger();
    log.error({ err: wrapped, headers: { Authorization: `Bearer ${jwt}` } }, 'register failed');
    expect(output()).not.toContain(jwt);
    expect(output()).toContain('ECONNRESET');
  });

  it('removes refresh tokens from response bodies and form bodies in messages', () => {
    const { log, output } = captureLogger();
    log.info(`token endpoint said {"refresh_token":"${REFRESH}","access_token":"abc.def.ghi"}`);
    log.info(`posted grant_type=refresh_token&refresh_token=${REFRESH}`);
    log.info({ response: { refresh_token: REFRESH, user_id: 'u1' } }, 'refreshed');
    expect(output()).not.toContain(REFRESH);
    expect(output()).toContain('u1');
  });

  it('keeps ordinary text and URLs readable', () => {
    expect(scrubUrl('https://cdn.example.com/v/1001.mp4?quality=hd')).toBe('https://cdn.example.com/v/1001.mp4?quality=hd');
    expect(scrubText('asset AAAAtAURG added to gallery A4KANh__rQ_m')).toBe('asset AAAAtAURG added to gallery A4KANh__rQ_m');
    expect(scrubUrl('https://mediaupload.cincopa.com/post.jpg?uid=1&d=AAA&hash=deadbeef&addtofid=0')).toBe('https://mediaupload.cincopa.com/post.jpg?***');
  });

  it('masks a signed URL passed percent-encoded as a parameter (upload_from_url input)', () => {
    const url = `https://api.cincopa.com/v2/asset.upload_from_url.json?api_token=${TOKEN}&input=https%3A%2F%2Fs.blob%2Fa.mp4%3Fsv%3D1%26sig%3DAbC%252Fd%26se%3D2`;
    const out = scrubUrl(url);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('AbC');
    expect(out).toContain('a.mp4');
  });

  it.each([
    ['S3 presigned', 'https://b.s3.amazonaws.com/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAX%2F1&X-Amz-Security-Token=IQo1&X-Amz-Signature=ab12'],
    ['S3 presigned, signature first', 'https://b.s3.amazonaws.com/a.mp4?x-amz-signature=ab12&X-Amz-Credential=AKIAX'],
    ['Google signed', 'https://storage.googleapis.com/b/a.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p&X-Goog-Signature=ab12'],
    ['CloudFront signed', 'https://d1.cloudfront.net/a.mp4?Policy=eyJTdGF0ZW1lbnQiOlt7fV19&Signature=ab12~x&Key-Pair-Id=K2JCJMDEHXQW5F'],
    ['token-carrying', 'https://cdn.example.com/a.mp4?token=ab12&quality=hd'],
  ])('masks the whole query string of a %s URL', (_kind, url) => {
    expect(scrubUrl(url)).toBe(`${url.slice(0, url.indexOf('?'))}?***`);
    expect(scrubText(`fetch ${url} failed`)).toBe(`fetch ${url.slice(0, url.indexOf('?'))}?*** failed`);
  });
});
