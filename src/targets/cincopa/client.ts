// Cincopa REST API v2 client: one got instance, `api_token` as a query parameter on every call
// (Cincopa has no header form), both failure styles checked — non-2xx, and HTTP 200 with
// {success:false} — and every failure classified here, at the edge.

import got, { type Got } from 'got';
import { PermanentError, RetryableError } from '../../core/errors.ts';
import { errorForStatus, errorForTransport, looksTransient } from '../httpErrors.ts';

export type CincopaParams = Record<string, string | number | undefined>;

export interface CincopaClientOptions {
  apiUrl: string;
  apiToken: string;
  requestTimeoutMs: number;
  scrub(text: string): string;
}

export class CincopaClient {
  readonly #http: Got;
  readonly #token: string;
  readonly #scrub: (text: string) => string;

  constructor(options: CincopaClientOptions) {
    this.#token = options.apiToken;
    this.#scrub = options.scrub;
    this.#http = got.extend({
      prefixUrl: options.apiUrl.replace(/\/+$/, ''),
      timeout: { request: options.requestTimeoutMs },
      retry: { limit: 0 }, // the runner owns retries
      throwHttpErrors: false,
      responseType: 'text',
      headers: { 'user-agent': 'ferry' },
    });
  }

  /** Calls `<method>.json`; resolves with the body of a `success:true` answer. */
  async call<T extends object = Record<string, unknown>>(method: string, params: CincopaParams = {}, signal?: AbortSignal): Promise<T> {
    const searchParams: Record<string, string> = { api_token: this.#token };
    for (const [key, value] of Object.entries(params)) if (value !== undefined) searchParams[key] = String(value);
    let response;
    try {
      response = await this.#http.get(`${method}.json`, { searchParams, signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw errorForTransport(error, `cincopa ${method}`, this.#scrub);
    }
    let body: { success?: unknown; message?: unknown } | undefined;
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch {
      body = undefined;
    }
    const message = typeof body?.message === 'string' ? body.message : response.body.slice(0, 200);
    if (response.statusCode >= 300) {
      throw errorForStatus(response.statusCode, this.#scrub(`cincopa ${method}: HTTP ${response.statusCode}: ${message}`), `cincopa:${method}:${response.statusCode}`, response.headers['retry-after']);
    }
    if (!body || typeof body !== 'object') throw new RetryableError(`cincopa:${method}:unreadable`, this.#scrub(`cincopa ${method}: unreadable answer: ${response.body.slice(0, 200)}`));
    if (body.success !== true) {
      const text = this.#scrub(`cincopa ${method}: ${message || 'success:false without a message'}`);
      throw looksTransient(message) ? new RetryableError(`cincopa:${method}:failed`, text) : new PermanentError(`cincopa:${method}:failed`, text);
    }
    return body as T;
  }
}
