// Talking to the emulated Cincopa the way the sandbox tests need: API calls with the token as a
// query parameter, raw upload chunks, and waits on conditions (never fixed sleeps).

import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';

export type Body = Record<string, unknown> & { success?: boolean; message?: string };

export interface CincopaEndpoint {
  url: string;
  apiToken: string;
}

export interface CallOptions {
  /** undefined: the endpoint's token; null: no token at all. */
  token?: string | null;
  post?: 'query' | 'form';
}

export async function call(endpoint: CincopaEndpoint, method: string, params: Record<string, string> = {}, options: CallOptions = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const token = options.token === undefined ? endpoint.apiToken : options.token;
  const query = new URLSearchParams(token === null ? {} : { api_token: token });
  const form = new URLSearchParams(params);
  if (options.post !== 'form') for (const [key, value] of form) query.set(key, value);
  const url = `${endpoint.url}/${method}.json?${query}`;
  const response = options.post
    ? await fetch(url, { method: 'POST', ...(options.post === 'form' ? { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) })
    : await fetch(url);
  const text = await response.text();
  let body: Body;
  try {
    body = JSON.parse(text) as Body;
  } catch {
    body = { text };
  }
  return { status: response.status, body, headers: response.headers };
}

/** A call that must succeed: HTTP 200 and success:true. */
export async function ok(endpoint: CincopaEndpoint, method: string, params: Record<string, string> = {}): Promise<Body> {
  const { status, body } = await call(endpoint, method, params);
  expect(status, `${method}: ${JSON.stringify(body)}`).toBe(200);
  expect(body.success, `${method}: ${JSON.stringify(body)}`).toBe(true);
  return body;
}

/** Polls `probe` until `done` holds for its value; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await sleep(5);
    value = await probe();
  }
  return value;
}

/** Starts an upload from the origin's generated files and waits for a terminal status. */
export async function fetchToEnd(endpoint: CincopaEndpoint, originUrl: string, name: string, size: number, extra: Record<string, string> = {}): Promise<Body> {
  const { status_id } = await ok(endpoint, 'asset.upload_from_url', { input: `${originUrl}/gen/${name}?size=${size}`, ...extra });
  return waitFor(
    () => ok(endpoint, 'asset.upload_from_url_get_status', { status_id: String(status_id) }),
    (body) => !['inprogress', 'pending', 'in_progress'].includes(String(body.status)),
    5_000,
    `status ${String(status_id)} terminal`,
  );
}

/** The rid of a finished status, under whichever key the dialect used. */
export function ridOf(status: Body): string {
  const rid = status.resid || status.asset_id || status.rid;
  expect(rid, JSON.stringify(status)).toEqual(expect.any(String));
  return String(rid);
}

export async function uploadUrl(endpoint: CincopaEndpoint, params: Record<string, string> = {}): Promise<string> {
  return String((await ok(endpoint, 'asset.get_upload_url', params)).upload_url);
}

export async function sendChunk(url: string, bytes: Buffer, range: string, uniqueId: string, name = 'clip%20one.mp4'): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    body: bytes,
    headers: { 'content-type': 'multipart/form-data', 'x-file-name': name, 'content-range': range, 'unique-id': uniqueId },
  });
  return { status: response.status, text: await response.text() };
}

/** Uploads `bytes` in one chunk and returns the rid from `new resource id <n> <rid>`. */
export async function uploadDirect(endpoint: CincopaEndpoint, bytes: Buffer, name: string, params: Record<string, string> = {}): Promise<string> {
  const answer = await sendChunk(await uploadUrl(endpoint, params), bytes, `bytes 0-${bytes.length}/${bytes.length}`, String(Date.now()), encodeURIComponent(name));
  const match = RESOURCE.exec(answer.text);
  expect(match, answer.text).not.toBeNull();
  return match![2]!;
}

export const RESOURCE = /new resource id (\d+) ([A-Za-z0-9]+)/;
