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

export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
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

export type ErrorBody = (status: number, message: string) => unknown;

/**
 * Applies one transport-level fault. Returns the status sent, or undefined when the request
 * should go on (latency only delays it). `errorBody` shapes the platform's error answer: an
 * object is sent as JSON, a string as plain text. 'reset' answers status 0.
 */
export async function applyFault(rule: FaultRule, res: ServerResponse, errorBody: ErrorBody, authStatus: number): Promise<number | undefined> {
  switch (rule.kind) {
    case 'latency':
      await sleep(rule.latencyMs ?? 200);
      return undefined;
    case 'status':
      return sendError(res, rule.status ?? 503, errorBody, 'injected failure');
    case 'rate-limit':
      return sendError(res, rule.status ?? 429, errorBody, 'rate limit exceeded', { 'retry-after': String(rule.retryAfterSec ?? 1) });
    case 'auth':
      return sendError(res, rule.status ?? authStatus, errorBody, 'invalid or expired credentials');
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

function sendError(res: ServerResponse, status: number, errorBody: ErrorBody, message: string, headers: Record<string, string> = {}): number {
  const body = errorBody(status, message);
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
): Promise<FaultOutcome> {
  const drawn = faults.draw(service, route);
  if (drawn.delayMs === 0 && !drawn.rule) return {};
  if (drawn.delayMs > 0) await sleep(drawn.delayMs);
  if (!drawn.rule) return { fault: 'latency' };
  const fault = drawn.delayMs > 0 ? `latency+${drawn.rule.kind}` : drawn.rule.kind;
  // The request body is never read now; let it drain so a keep-alive connection stays usable.
  req.resume();
  const status = await applyFault(drawn.rule, res, errorBody, authStatus);
  return status === undefined ? { fault } : { status, fault };
}

/** Query string and (for POST) urlencoded or JSON body parameters, merged. */
export async function requestParams(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  if (req.method === 'POST' || req.method === 'PUT') {
    const body = (await readBody(req)).toString('utf8');
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
