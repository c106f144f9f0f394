// The Cincopa client's transport (node:http keep-alive, apiGet.ts) reports a missing answer the
// way the runner relies on: a call that outlasts requestTimeoutMs, a connection cut before or
// in the middle of the answer, are retryable `network:<code>` errors; an abort is the caller's
// own AbortError, not a classified failure; connections are kept alive between calls.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../../src/core/errors.ts';
import { CincopaClient } from '../../../src/targets/cincopa/client.ts';

let behaviour: 'answer' | 'hang' | 'reset' | 'cut-body' | 'moved' | 'moved-away' = 'answer';
const paths: string[] = [];
const connections = new Set<Socket>();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if ((behaviour === 'moved' || behaviour === 'moved-away') && req.url?.startsWith('/v2/')) {
      const port = (server.address() as AddressInfo).port;
      // Same host, new path; or another host name for the same server (localhost), never followed.
      res.writeHead(301, { location: behaviour === 'moved' ? req.url.replace('/v2/', '/api/v2/') : `http://localhost:${port}/api/v2/ping.json` });
      return res.end();
    }
    if (behaviour === 'hang') return; // never answers
    if (behaviour === 'reset') return req.socket.destroy();
    if (behaviour === 'cut-body') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"success":tr');
      setImmediate(() => req.socket.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"success":true}');
  });
  server.on('connection', (socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = (requestTimeoutMs = 5_000) => new CincopaClient({ apiUrl: url, apiToken: 'tok', requestTimeoutMs, scrub: (text) => text });

async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(() => undefined, (error: unknown) => error);
}

describe('Cincopa client transport', () => {
  it('keeps connections alive between calls', async () => {
    behaviour = 'answer';
    const api = client();
    const before = connections.size;
    for (let call = 0; call < 5; call++) expect(await api.call('ping')).toEqual({ success: true });
    expect(connections.size - before).toBe(1);
    api.close();
  });

  it('a call that outlasts requestTimeoutMs is a retryable network:ETIMEDOUT', async () => {
    behaviour = 'hang';
    const api = client(150);
    const error = await failure(api.call('ping'));
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).code).toBe('network:ETIMEDOUT');
    api.close();
  });

  it('a connection cut before or during the answer is a retryable network error', async () => {
    for (const cut of ['reset', 'cut-body'] as const) {
      behaviour = cut;
      const api = client();
      const error = await failure(api.call('ping'));
      expect(error, cut).toBeInstanceOf(RetryableError);
      expect((error as RetryableError).code, cut).toMatch(/^network:(ECONNRESET|ERR_STREAM_PREMATURE_CLOSE)$/);
      api.close();
    }
  });

  it('follows a redirect to the same host, with the query, and never one to another host (the query carries the token)', async () => {
    behaviour = 'moved';
    paths.length = 0;
    const api = client();
    expect(await api.call('ping')).toEqual({ success: true });
    expect(paths).toHaveLength(2);
    expect(paths[1]).toMatch(/^\/api\/v2\/ping\.json\?.*api_token=tok/);

    behaviour = 'moved-away';
    paths.length = 0;
    const error = await failure(api.call('ping'));
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/HTTP 301/);
    expect(paths).toHaveLength(1);
    api.close();
  });

  it('an abort rejects with the abort, unclassified', async () => {
    behaviour = 'hang';
    const api = client();
    const controller = new AbortController();
    const call = failure(api.call('ping', {}, controller.signal));
    setImmediate(() => controller.abort());
    const error = await call;
    expect(error).not.toBeInstanceOf(RetryableError);
    expect((error as Error).name).toBe('AbortError');
    api.close();
  });
});
