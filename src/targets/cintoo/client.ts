// Cintoo Cloud API v2 client: one got instance (loaded when the target is created, see
// core/lazyGot.ts), a bearer token on every call from the session (refreshed ahead of expiry; a 401 gets one refresh and one retry), the request budget, and
// every failure classified here, at the edge. Cintoo's errors are RFC 9457 problem details
// ({status, title, detail?, errorCode?, errorValues?}; "the status code is the source of
// truth"): 401 is the token, while a 403 is about the thing asked for (a deleted work zone, a
// missing permission), so it is a refusal of that request, not of the credentials.

import type { Got } from 'got';
import { loadGot } from '../../core/lazyGot.ts';
import { AuthError, PermanentError, RetryableError } from '../../core/errors.ts';
import { observeRequest } from '../../metrics/observeRequest.ts';
import { NO_TARGET_METRICS, type TargetMetrics } from '../../metrics/types.ts';
import { errorForStatus, errorForTransport } from '../httpErrors.ts';
import { UNLIMITED, type RequestBudget } from '../requestBudget.ts';
import type { AccessTokens } from './auth.ts';

/** A request Cintoo refused for good, with its problem details (errorCode, errorValues) kept for the caller. */
export class CintooRefusal extends PermanentError {
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorValues: Record<string, unknown>;

  constructor(status: number, errorCode: string | undefined, message: string, errorValues: Record<string, unknown> = {}) {
    super(`cintoo:${errorCode ?? status}`, message);
    this.status = status;
    this.errorCode = errorCode;
    this.errorValues = errorValues;
  }
}

export interface CintooApiOptions {
  baseUrl: string;
  requestTimeoutMs: number;
  tokens: AccessTokens;
  budget?: RequestBudget;
  /** Every API call is reported here as `cintoo` / its route (`POST bulk-files`, ...). */
  metrics?: TargetMetrics;
  scrub(text: string): string;
}

export interface CallOptions {
  json?: unknown;
  searchParams?: Record<string, string>;
  signal?: AbortSignal;
}

/** A got instance for Cintoo's hosts: no retries (the runner owns them), answers read as text. */
export async function cintooHttp(requestTimeoutMs: number): Promise<Got> {
  return (await loadGot()).extend({
    timeout: { request: requestTimeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    responseType: 'text',
    headers: { 'user-agent': 'ferry', accept: 'application/json' },
  });
}

export class CintooApi {
  readonly #http: Promise<Got>;
  readonly #base: string;
  readonly #tokens: AccessTokens;
  readonly #budget: RequestBudget;
  readonly #scrub: (text: string) => string;
  readonly #metrics: TargetMetrics;

  constructor(options: CintooApiOptions, http: Promise<Got> = cintooHttp(options.requestTimeoutMs)) {
    this.#metrics = options.metrics ?? NO_TARGET_METRICS;
    this.#http = http;
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#tokens = options.tokens;
    this.#budget = options.budget ?? UNLIMITED;
    this.#scrub = options.scrub;
  }

  get base(): string {
    return this.#base;
  }

  /** Calls `method path` (path under the base, e.g. /api/2/accounts); resolves with the parsed JSON answer. */
  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, options: CallOptions = {}): Promise<T> {
    const what = `${method} ${path.replace(/\?.*$/, '')}`;
    let token = await this.#tokens.accessToken(options.signal);
    for (let attempt = 1; ; attempt++) {
      const response = await this.#send(method, path, token, options, what);
      if (response.statusCode === 401 && attempt === 1) {
        // The token died early (revoked, clock skew): one refresh, one retry.
        token = await this.#tokens.afterRejection(token, options.signal);
        continue;
      }
      return this.#read<T>(response.statusCode, response.body, response.headers['retry-after'], what);
    }
  }

  async #send(method: string, path: string, token: string, options: CallOptions, what: string): Promise<{ statusCode: number; body: string; headers: Record<string, string | string[] | undefined> }> {
    await this.#budget.take(options.signal);
    const http = await this.#http;
    try {
      const response = await observeRequest(this.#metrics, { target: 'cintoo', method: routeOf(method, path), signal: options.signal }, () =>
        http(`${this.#base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
          ...(options.json === undefined ? {} : { json: options.json }),
          ...(options.searchParams ? { searchParams: options.searchParams } : {}),
          signal: options.signal,
        }),
      );
      return { statusCode: response.statusCode, body: String(response.body), headers: response.headers };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw errorForTransport(error, `cintoo ${what}`, this.#scrub);
    }
  }

  #read<T>(status: number, text: string, retryAfter: string | string[] | undefined, what: string): T {
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new RetryableError('cintoo:unreadable', this.#scrub(`cintoo ${what}: the answer is not JSON: ${text.slice(0, 200)}`));
      }
    }
    const problem = problemOf(text);
    const message = this.#scrub(`cintoo ${what}: HTTP ${status}${problem.errorCode ? ` ${problem.errorCode}` : ''}${problem.detail ? `: ${problem.detail}` : problem.title ? `: ${problem.title}` : ''}`);
    if (status === 401) return fail(new AuthError(`cintoo:${problem.errorCode ?? 'unauthorized'}`, `Cintoo refused the access token even after a refresh (${message})`));
    if (status === 429 || status === 408 || status >= 500) return fail(errorForStatus(status, message, `cintoo:${status}`, retryAfter));
    return fail(new CintooRefusal(status, problem.errorCode, message, problem.errorValues));
  }
}

function fail(error: Error): never {
  throw error;
}

/** RFC 9457 problem details, leniently: every field optional. */
function problemOf(text: string): { title?: string; detail?: string; errorCode?: string; errorValues: Record<string, unknown> } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(typeof body.title === 'string' ? { title: body.title } : {}),
      ...(typeof body.detail === 'string' ? { detail: body.detail } : {}),
      ...(typeof body.errorCode === 'string' ? { errorCode: body.errorCode } : {}),
      errorValues: typeof body.errorValues === 'object' && body.errorValues !== null ? (body.errorValues as Record<string, unknown>) : {},
    };
  } catch {
    return { detail: text.slice(0, 200), errorValues: {} };
  }
}

/** A call's fixed name for metrics (never its ids): `GET workzones`, `PUT bulk-files`, ... */
export function routeOf(method: string, path: string): string {
  const bare = path.replace(/\?.*$/, '').replace(/\/+$/, '');
  const last = bare.split('/').pop() ?? '';
  if (bare === '/api/isLogged') return `${method} isLogged`;
  if (bare === '/api/2/values/formats') return `${method} formats`;
  if (['bulk-files', 'workzones', 'files', 'projects', 'accounts'].includes(last)) return `${method} ${last}`;
  if (/\/projects\/[^/]+$/.test(bare)) return `${method} project`;
  if (/\/accounts\/[^/]+$/.test(bare)) return `${method} account`;
  return `${method} other`;
}

/** `urn:cintoo:<kind>:<id>` or a raw id → the raw id, for comparing references given either way. */
export function rawIdOf(ref: string): string {
  const match = /^urn:cintoo:[A-Za-z0-9-]+:(.+)$/i.exec(ref);
  return (match ? match[1]! : ref).toLowerCase();
}

/** A path segment for a reference (URNs carry colons). */
export const seg = (ref: string): string => encodeURIComponent(ref);
