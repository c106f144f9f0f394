// Small shared pieces of the emulators' HTTP servers.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../core/errors.ts';
import type { FaultRule } from './faults.ts';

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

/**
 * Applies a transport-level fault. Returns the status sent, or undefined when the request
 * should go on (latency only delays it). `errorBody` shapes the platform's error JSON.
 */
export async function applyFault(
  rule: FaultRule,
  res: ServerResponse,
  errorBody: (status: number, message: string) => unknown,
  authStatus: number,
): Promise<number | undefined> {
  switch (rule.kind) {
    case 'latency':
      await sleep(rule.latencyMs ?? 200);
      return undefined;
    case 'status': {
      const status = rule.status ?? 503;
      sendJson(res, status, errorBody(status, 'injected failure'));
      return status;
    }
    case 'rate-limit': {
      const status = rule.status ?? 429;
      sendJson(res, status, errorBody(status, 'rate limit exceeded'), { 'retry-after': String(rule.retryAfterSec ?? 1) });
      return status;
    }
    case 'auth': {
      const status = rule.status ?? authStatus;
      sendJson(res, status, errorBody(status, 'invalid or expired credentials'));
      return status;
    }
    case 'reset':
      // Headers and half a body, then the connection dies: the client sees a reset mid-body.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.write('{"success":tr');
      await sleep(5);
      res.socket?.destroy();
      return 0;
    default:
      return undefined;
  }
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
