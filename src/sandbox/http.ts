// Small shared pieces of the emulators' HTTP servers.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../core/errors.ts';
import type { FaultRule, Faults } from './faults.ts';
import type { SandboxService } from './journal.ts';

export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UsageError(`port ${port} on ${host} is already in use (is \`ferry sandbox\` already running?). Fix: stop the other process, or choose other ports (ferry sandbox --port <n>).`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${host}:${address.port}`;
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A request body over the server's limit: a real front end answers 413 without reading on. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * The whole request body, up to `limit` bytes. A longer body is read to its end but not kept,
 * then refused with BodyTooLargeError: answering before the client has sent it all would make
 * the client see a reset instead of the answer.
 */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new BodyTooLargeError(limit);
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** What a fault stands for, so a platform can word its error answer accordingly. */
export type FaultAnswerKind = 'status' | 'rate-limit' | 'auth';
export type ErrorBody = (status: number, message: string, kind: FaultAnswerKind) => unknown;

/**
 * Applies one transport-level fault. Returns the status sent, or undefined when the request
 * should go on (latency only delays it). `errorBody` shapes the platform's error answer: an
 * object is sent as JSON, a string as plain text. 'reset' answers status 0. `authInBody`: the
 * platform reports refused credentials inside an HTTP 200 answer, whatever status the rule names.
 */
export async function applyFault(rule: FaultRule, res: ServerResponse, errorBody: ErrorBody, authStatus: number, authInBody = false): Promise<number | undefined> {
  switch (rule.kind) {
    case 'latency':
      await sleep(rule.latencyMs ?? 200);
      return undefined;
    case 'status':
      return sendError(res, rule.status ?? 503, errorBody, 'injected failure', 'status');
    case 'rate-limit':
      return sendError(res, rule.status ?? 429, errorBody, 'rate limit exceeded', 'rate-limit', { 'retry-after': retryAfter(rule) });
    case 'auth':
      return sendError(res, authInBody ? 200 : (rule.status ?? authStatus), errorBody, 'invalid or expired credentials', 'auth');
    case 'reset':
      // Headers and part of a body, then the connection dies: the client sees a reset mid-body.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.write('{"success":tr');
      await sleep(5);
      res.socket?.destroy();
      return 0;
    default:
      return undefined;
  }
}

/**
 * Retry-After as delta seconds, or as an HTTP date rounded UP to the next whole second (a date
 * has second resolution; rounding down would invite the client back too early).
 */
export function retryAfter(rule: Pick<FaultRule, 'retryAfterSec' | 'retryAfterFormat'>, now = Date.now()): string {
  const seconds = rule.retryAfterSec ?? 1;
  if (rule.retryAfterFormat !== 'http-date') return String(seconds);
  return new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString();
}

function sendError(res: ServerResponse, status: number, errorBody: ErrorBody, message: string, kind: FaultAnswerKind, headers: Record<string, string> = {}): number {
  const body = errorBody(status, message, kind);
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  } else sendJson(res, status, body, headers);
  return status;
}

export interface FaultOutcome {
  /** The status already sent (0 = connection reset), or undefined: serve the request normally. */
  status?: number;
  /** What was injected, for the journal ('latency', 'rate-limit', 'latency+status', ...). */
  fault?: string;
}

/**
 * Draws the faults for one request and applies them: every firing latency rule delays it,
 * then at most one terminal fault answers it. Both emulators call this first on every route.
 */
export async function applyFaults(
  faults: Faults,
  service: SandboxService,
  route: string,
  req: IncomingMessage,
  res: ServerResponse,
  errorBody: ErrorBody,
  authStatus: number,
  authInBody = false,
): Promise<FaultOutcome> {
  const drawn = faults.draw(service, route);
  if (drawn.delayMs === 0 && !drawn.rule) return {};
  if (drawn.delayMs > 0) await sleep(drawn.delayMs);
  if (!drawn.rule) return { fault: 'latency' };
  const fault = drawn.delayMs > 0 ? `latency+${drawn.rule.kind}` : drawn.rule.kind;
  // The request body is never read now; let it drain so a keep-alive connection stays usable.
  req.resume();
  const status = await applyFault(drawn.rule, res, errorBody, authStatus, authInBody);
  return status === undefined ? { fault } : { status, fault };
}

/** Query string and (for POST) urlencoded or JSON body parameters, merged. */
export async function requestParams(req: IncomingMessage, url: URL, bodyLimit?: number): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  if (req.method === 'POST' || req.method === 'PUT') {
    const body = (await readBody(req, bodyLimit)).toString('utf8');
    const type = req.headers['content-type'] ?? '';
    if (body && type.includes('application/json')) {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      for (const [key, value] of Object.entries(parsed)) params[key] = String(value);
    } else if (body) {
      for (const [key, value] of new URLSearchParams(body)) params[key] = value;
    }
  }
  return params;
}
