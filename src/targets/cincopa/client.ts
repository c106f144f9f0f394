// Cincopa REST API v2 client: one keep-alive HTTP getter (apiGet.ts), `api_token` as a query parameter on every call
// (Cincopa has no header form), both failure styles checked — non-2xx, and HTTP 200 with
// {success:false} — and every failure classified here, at the edge. Refused credentials come
// either way too (403, or 200 + success:false with an auth message: evidence.md §3.6), and
// both stop the run.

import { AuthError, PermanentError, RetryableError } from '../../core/errors.ts';
import { observeRequest } from '../../metrics/observeRequest.ts';
import { NO_TARGET_METRICS, type TargetMetrics } from '../../metrics/types.ts';
import { ApiGetter } from '../apiGet.ts';
import { errorForStatus, errorForTransport, looksTransient } from '../httpErrors.ts';
import { UNLIMITED, type RequestBudget } from '../requestBudget.ts';

export type CincopaParams = Record<string, string | number | undefined>;

export interface CincopaClientOptions {
  apiUrl: string;
  apiToken: string;
  requestTimeoutMs: number;
  scrub(text: string): string;
  /** Shared by every call of the run (and, on a shared ledger, of the fleet). */
  budget?: RequestBudget;
  /** Every call is reported as `cincopa` / its API method / its HTTP status. */
  metrics?: TargetMetrics;
}

/**
 * HTTP servers refuse request lines beyond a few KB (431/414), and Cincopa takes every
 * parameter in the URL: a longer call is refused here, with the reason, instead of there.
 */
export const MAX_URL_BYTES = 8_000;

/** A `success:false` message that says the credentials are the problem, whatever the HTTP status. */
const AUTH_MESSAGE = /api[ _-]?token|invalid token|token (?:is )?(?:invalid|expired|revoked|missing)|unauthori[sz]ed|not authori[sz]ed|forbidden|access denied|permission denied|no permission|not logged|login required|credential/i;

export function isAuthMessage(message: string): boolean {
  return AUTH_MESSAGE.test(message);
}

export class CincopaClient {
  readonly #http: ApiGetter;
  readonly #token: string;
  readonly #scrub: (text: string) => string;
  readonly #budget: RequestBudget;
  readonly #metrics: TargetMetrics;

  constructor(options: CincopaClientOptions) {
    this.#token = options.apiToken;
    this.#scrub = options.scrub;
    this.#budget = options.budget ?? UNLIMITED;
    this.#metrics = options.metrics ?? NO_TARGET_METRICS;
    // No retries here: the runner owns them. Every answer resolves; only a missing one throws.
    this.#http = new ApiGetter({ baseUrl: options.apiUrl, timeoutMs: options.requestTimeoutMs, userAgent: 'ferry' });
  }

  /** Close the kept-alive connections (the run is over). */
  close(): void {
    this.#http.close();
  }

  /** Calls `<method>.json`; resolves with the body of a `success:true` answer. */
  async call<T extends object = Record<string, unknown>>(method: string, params: CincopaParams = {}, signal?: AbortSignal): Promise<T> {
    const query = new URLSearchParams({ api_token: this.#token });
    for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
    const pathAndQuery = `/${method}.json?${query.toString()}`;
    const bytes = Buffer.byteLength(this.#http.base) + Buffer.byteLength(pathAndQuery);
    if (bytes > MAX_URL_BYTES) {
      throw new PermanentError(`cincopa:${method}:too-long`, `cincopa ${method}: the request would be ${bytes} bytes long; servers refuse more than about ${MAX_URL_BYTES}. Fix: shorten the item's metadata`);
    }
    await this.#budget.take(signal);
    let response;
    try {
      response = await observeRequest(this.#metrics, { target: 'cincopa', method, signal }, () => this.#http.get(pathAndQuery, signal));
    } catch (error) {
      if (signal?.aborted) throw error;
      throw errorForTransport(error, `cincopa ${method}`, this.#scrub);
    }
    let body: { success?: unknown; message?: unknown; error?: unknown } | undefined;
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch {
      body = undefined;
    }
    const message = typeof body?.message === 'string' ? body.message : typeof body?.error === 'string' ? body.error : response.body.slice(0, 200);
    if (response.statusCode >= 300) {
      throw errorForStatus(response.statusCode, this.#scrub(`cincopa ${method}: HTTP ${response.statusCode}: ${message}`), `cincopa:${method}:${response.statusCode}`, response.headers['retry-after']);
    }
    if (!body || typeof body !== 'object') throw new RetryableError(`cincopa:${method}:unreadable`, this.#scrub(`cincopa ${method}: unreadable answer: ${response.body.slice(0, 200)}`));
    if (body.success !== true) {
      const text = this.#scrub(`cincopa ${method}: ${message || 'success:false without a message'}`);
      if (isAuthMessage(message)) throw new AuthError(`cincopa:${method}:auth`, text);
      throw looksTransient(message) ? new RetryableError(`cincopa:${method}:failed`, text) : new PermanentError(`cincopa:${method}:failed`, text);
    }
    return body as T;
  }
}
