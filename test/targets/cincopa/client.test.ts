// ferry's Cincopa client classifies every answer at the edge: refused credentials as HTTP 403
// or as 200 + success:false with an auth message are AuthError (the run stops with exit 3);
// 429 with Retry-After in seconds or as an HTTP date is RateLimitedError with the right wait;
// an over-long request is refused before it is sent; the request budget spaces calls out; every
// call is reported to the run's metrics by API method and outcome.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, PermanentError, RateLimitedError, RetryableError } from '../../../src/core/errors.ts';
import { CincopaClient } from '../../../src/targets/cincopa/client.ts';
import type { RequestStatus, TargetMetrics } from '../../../src/metrics/types.ts';
import { requestBudget } from '../../../src/targets/requestBudget.ts';

type Answer = { status: number; body: string; headers?: Record<string, string> };
let next: Answer = { status: 200, body: '{"success":true}' };
const seen: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(next.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (options: Partial<ConstructorParameters<typeof CincopaClient>[0]> = {}) =>
  new CincopaClient({ apiUrl: url, apiToken: 'secret-token-123', requestTimeoutMs: 5_000, scrub: (text) => text.replaceAll('secret-token-123', '***'), ...options });

async function failure(answer: Answer): Promise<unknown> {
  next = answer;
  return client().call('asset.list').then(() => undefined, (error: unknown) => error);
}

describe('Cincopa client', () => {
  it('sends api_token as a query parameter and returns a success:true body', async () => {
    next = { status: 200, body: '{"success":true,"ping":"pong"}' };
    expect(await client().call('ping')).toMatchObject({ ping: 'pong' });
    expect(seen.at(-1)).toMatch(/^\/v2\/ping\.json\?api_token=secret-token-123$/);
  });

  it('refused credentials are an AuthError however they come', async () => {
    expect(await failure({ status: 403, body: '{"success":false,"message":"forbidden"}' })).toBeInstanceOf(AuthError);
    for (const message of ['Invalid token', 'api_token is not valid', 'Unauthorized', 'token expired', 'You do not have permission to do this (access denied)']) {
      const error = await failure({ status: 200, body: JSON.stringify({ success: false, message }) });
      expect(error, message).toBeInstanceOf(AuthError);
    }
  });

  it('other success:false answers are permanent, or retryable when they read as passing', async () => {
    expect(await failure({ status: 200, body: '{"success":false,"message":"rid not found"}' })).toBeInstanceOf(PermanentError);
    expect(await failure({ status: 200, body: '{"success":false,"message":"server busy, try again"}' })).toBeInstanceOf(RetryableError);
    expect(await failure({ status: 502, body: 'bad gateway' })).toBeInstanceOf(RetryableError);
    expect(await failure({ status: 200, body: '<html>maintenance</html>' })).toBeInstanceOf(RetryableError);
  });

  it('honours Retry-After as seconds and as an HTTP date', async () => {
    const seconds = (await failure({ status: 429, body: '{}', headers: { 'retry-after': '7' } })) as RateLimitedError;
    expect(seconds).toBeInstanceOf(RateLimitedError);
    expect(seconds.retryAfterMs).toBe(7_000);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const dated = (await failure({ status: 429, body: '{}', headers: { 'retry-after': date } })) as RateLimitedError;
    expect(dated.retryAfterMs).toBeGreaterThan(25_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('never puts the token into an error message', async () => {
    const error = (await failure({ status: 500, body: 'failed for api_token=secret-token-123' })) as Error;
    expect(error.message).not.toContain('secret-token-123');
  });

  it('refuses a request too long for any server before sending it', async () => {
    const before = seen.length;
    const error = await client()
      .call('asset.set_meta', { rid: 'x', description: 'é'.repeat(3_000) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/bytes long.*Fix: shorten/);
    expect(seen.length).toBe(before);
  });

  it('spaces calls out to the request budget', async () => {
    next = { status: 200, body: '{"success":true}' };
    const limited = client({ budget: requestBudget(20) });
    const started = performance.now();
    await Promise.all(Array.from({ length: 11 }, () => limited.call('ping')));
    expect(performance.now() - started).toBeGreaterThanOrEqual(480);
  });

  it('reports every call to the metrics: target, API method, HTTP status or "network", and its duration', async () => {
    const seenCalls: [string, string, RequestStatus, number][] = [];
    const metrics: TargetMetrics = { request: (...call) => void seenCalls.push(call), bytesSent: () => undefined, tokenRefresh: () => undefined };
    next = { status: 200, body: '{"success":true}' };
    await client({ metrics }).call('ping');
    next = { status: 429, body: '{}', headers: { 'retry-after': '1' } };
    await client({ metrics }).call('asset.list').catch(() => undefined);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v2`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await client({ metrics, apiUrl: deadUrl }).call('gallery.add_item').catch(() => undefined);
    expect(seenCalls.map(([target, method, status]) => [target, method, status])).toEqual([
      ['cincopa', 'ping', 200],
      ['cincopa', 'asset.list', 429],
      ['cincopa', 'gallery.add_item', 'network'],
    ]);
    for (const [, , , seconds] of seenCalls) expect(seconds).toBeGreaterThanOrEqual(0);
  });
});
