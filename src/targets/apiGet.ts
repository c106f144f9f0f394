// GET of small API answers over node:http(s) with one keep-alive agent per client: the hot path
// of an API-bound run (Cincopa from URL makes four or more calls per item). got costs several
// times node:http's CPU and garbage per request (option merging, hooks, streams, promise
// wrappers); a profile of a from-URL run put it above any other part of ferry. File bodies go
// through fileRequest.ts; got stays for Cintoo's API client and validate's source probes.
//
// Error contract (the same that errorForTransport classifies, as got's errors were): an answer
// of any status resolves; no usable answer rejects with an Error whose `code` names the failure
// — `ETIMEDOUT` when the whole request outlasts `timeoutMs`, the socket's code (ECONNRESET,
// ECONNREFUSED, ...) otherwise; an abort through `signal` rejects with the signal's AbortError.

import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface TextAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ApiGetOptions {
  /** The API's root: every call's path and query are appended to it. */
  baseUrl: string;
  /** The most a call may take, answer body included. */
  timeoutMs: number;
  userAgent: string;
}

/**
 * Idle keep-alive sockets are closed after this long: below the 5 s most servers (Node's
 * included) keep an idle connection, so ferry does not send on a socket the server is closing.
 */
const IDLE_SOCKET_MS = 4_000;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;

class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`Timeout awaiting 'request' for ${ms}ms`);
    this.name = 'TimeoutError';
  }
}

export class ApiGetter {
  /** The base URL as it is written (for lengths and messages). */
  readonly base: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #secure: boolean;
  readonly #hostname: string;
  readonly #port: string;
  readonly #basePath: string;
  /** scheme://host[:port] of the base, for resolving a redirect's Location. */
  readonly #origin: string;
  readonly #agent: http.Agent;

  constructor(options: ApiGetOptions) {
    // Parsed once: a call only appends its path and query to the base's.
    const base = new URL(options.baseUrl);
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.#secure = base.protocol === 'https:';
    this.#hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#port = base.port;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#origin = base.origin;
    this.#timeoutMs = options.timeoutMs;
    this.#headers = { 'user-agent': options.userAgent };
    this.#agent = this.#secure ? new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) : new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  }

  /**
   * GET `<base><pathAndQuery>` (pathAndQuery starts with `/`). A redirect to the same host (an
   * http:// base answered with a move to https://, a moved endpoint) is followed up to
   * MAX_REDIRECTS times, as got did; one to another host is answered as it is, never followed:
   * the query carries the API token, which must not travel to a host the operator did not name.
   */
  async get(pathAndQuery: string, signal?: AbortSignal): Promise<TextAnswer> {
    const first: http.RequestOptions = { hostname: this.#hostname, port: this.#port, path: this.#basePath + pathAndQuery, agent: this.#agent, headers: this.#headers, signal };
    let answer = await this.#request(first, this.#secure);
    // Only a redirect needs the URL as an object: the hot path never builds one.
    let at: URL | undefined;
    for (let hops = 0; hops < MAX_REDIRECTS && REDIRECTS.has(answer.statusCode) && answer.headers.location; hops++) {
      at ??= new URL(this.#basePath + pathAndQuery, this.#origin);
      const next = new URL(answer.headers.location, at);
      if (next.hostname !== at.hostname || !/^https?:$/.test(next.protocol)) break;
      const secure = next.protocol === 'https:';
      const sameSocket = secure === this.#secure && next.port === at.port;
      const options: http.RequestOptions = { hostname: next.hostname.replace(/^\[(.*)\]$/, '$1'), port: next.port, path: next.pathname + next.search, agent: sameSocket ? this.#agent : undefined, headers: this.#headers, signal };
      answer = await this.#request(options, secure);
      at = next;
    }
    return answer;
  }

  #request(options: http.RequestOptions, secure: boolean): Promise<TextAnswer> {
    return new Promise<TextAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, answer?: TextAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(answer!);
      };
      const request = (secure ? https : http).request(options, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => settle(undefined, { statusCode: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', (error) => settle(error));
        // A connection cut mid-body ends the response without 'end'.
        response.on('close', () => {
          if (!response.complete) settle(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        });
      });
      const timer = setTimeout(() => request.destroy(new RequestTimeoutError(this.#timeoutMs)), this.#timeoutMs);
      request.on('error', (error) => settle(error));
      request.end();
    });
  }

  /** Close the keep-alive sockets (the run is over). A later call opens new ones. */
  close(): void {
    this.#agent.destroy();
  }
}
