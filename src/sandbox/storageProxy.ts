// A streaming proxy in front of Azurite, so storage traffic gets what the API emulators have:
// fault rules (service 'azurite', route = the storage operation), the journal, and a meter of
// request-body bytes per blob — which is how a test proves that a resumed upload did not send
// the whole file again. Bodies flow through chunk by chunk with backpressure; nothing is
// buffered whole, so multi-GB uploads cost the proxy a few socket buffers.
//
// Storage faults:
//   status / rate-limit / auth  answered at once with Azure's XML error shape (auth = 403
//                               AuthenticationFailed, as an expired or forged SAS gets);
//                               rate-limit defaults to 503 ServerBusy with Retry-After
//   reset                       takes `afterBytes` of the body (default: half), then drops the
//                               connection; nothing reaches Azurite
//   stall                       after `afterBytes` (default 0) stops reading for `stallMs`, then
//                               goes on; past the end of the body it holds back the answer
//   lost-response               Azurite carries the request out, the answer is dropped
//   latency                     delays the request before anything is read

import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Transform, pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_STALL_MS, type FaultKind, type Faults, type ResolvedFaultRule } from './faults.ts';
import { close, listen } from './http.ts';
import type { Journal } from './journal.ts';
import { StorageMeter, blobNameOf, operation } from './storageMeter.ts';

const STORAGE_FAULTS: readonly FaultKind[] = ['latency', 'status', 'rate-limit', 'auth', 'reset', 'stall', 'lost-response'];
/** Hop-by-hop headers belong to one connection, never forwarded. `expect` is answered here. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer', 'host']);

export interface StorageProxyOptions {
  host: string;
  /** 0 = a free port. */
  port: number;
  /** Azurite's account URL, http://host:port/devstoreaccount1. */
  upstream: string;
  journal: Journal;
  faults: Faults;
}

export interface StorageProxy {
  /** The account URL clients use, http://host:port/devstoreaccount1. */
  url: string;
  meter: StorageMeter;
  close(): Promise<void>;
}

export async function startStorageProxy(options: StorageProxyOptions): Promise<StorageProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const meter = new StorageMeter();
  const { journal, faults } = options;

  const server = createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://storage');
    const method = req.method ?? 'GET';
    const blob = blobNameOf(url.pathname);
    const route = operation(method, url, blob);
    const exchange: Exchange = { received: 0, status: 0, blob, meter };
    if (blob) meter.request(blob);
    res.on('close', () => {
      const params: Record<string, string> = { bytes: String(exchange.received) };
      if (blob) params.blob = blob;
      for (const key of ['comp', 'blockid']) {
        const value = url.searchParams.get(key);
        if (value !== null) params[key] = value;
      }
      journal.record({ service: 'azurite', method, route, params, status: exchange.status, ...(exchange.fault ? { fault: exchange.fault } : {}), ms: Date.now() - started });
    });
    serve(req, res, route, exchange).catch(() => res.destroy());
  });

  async function serve(req: IncomingMessage, res: ServerResponse, route: string, exchange: Exchange): Promise<void> {
    const drawn = faults.draw('azurite', route, STORAGE_FAULTS);
    if (drawn.delayMs > 0) await sleep(drawn.delayMs);
    const rule = drawn.rule;
    if (rule) exchange.fault = drawn.delayMs > 0 ? `latency+${rule.kind}` : rule.kind;
    else if (drawn.delayMs > 0) exchange.fault = 'latency';
    switch (rule?.kind) {
      case 'status':
      case 'rate-limit':
      case 'auth':
        return refuse(req, res, rule, exchange);
      case 'reset':
        return cut(req, rule, exchange);
      default:
        return forward(req, res, exchange, rule?.kind === 'stall' ? { at: rule.afterBytes ?? 0, ms: rule.stallMs ?? DEFAULT_STALL_MS } : undefined, rule?.kind === 'lost-response');
    }
  }

  function forward(req: IncomingMessage, res: ServerResponse, exchange: Exchange, stall: { at: number; ms: number } | undefined, dropAnswer: boolean): Promise<void> {
    return new Promise((resolve) => {
      const outgoing = request({ protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardHeaders(req.headers, upstream.host), agent });
      const length = Number(req.headers['content-length']);
      // Only a stall needs a stage between the two sockets; otherwise a listener counts the bytes.
      const body = stall && new StallingMeter(exchange, { ms: stall.ms, at: Number.isSafeInteger(length) && length > 0 ? Math.min(stall.at, length) : stall.at });
      const abort = (): void => {
        body?.destroy();
        outgoing.destroy();
        res.destroy();
        resolve();
      };
      // The client hung up (or a fault cut it): stop the upstream request and any stall timer.
      res.on('close', () => {
        if (!res.writableFinished) abort();
      });
      const done = (error: Error | null | undefined): void => {
        if (error) abort();
      };
      if (body) pipeline(req, body, outgoing, done);
      else {
        req.on('data', (chunk: Buffer) => count(exchange, chunk.length));
        pipeline(req, outgoing, done);
      }
      outgoing.on('error', abort);
      outgoing.on('response', (answer) => {
        if (dropAnswer) {
          // Storage did the work; the client never hears of it.
          answer.resume();
          answer.on('end', abort);
          return;
        }
        exchange.status = answer.statusCode ?? 502;
        res.writeHead(exchange.status, responseHeaders(answer.headers));
        pipeline(answer, res, () => resolve());
      });
    });
  }

  const url = await listen(server, options.host, options.port);
  server.keepAliveTimeout = 30_000;
  return {
    url: `${url}${upstream.pathname.replace(/\/$/, '')}`,
    meter,
    async close() {
      await close(server);
      agent.destroy();
    },
  };
}

interface Exchange {
  received: number;
  /** What the client was answered; 0 when the connection was dropped instead. */
  status: number;
  fault?: string;
  blob: string | undefined;
  meter: StorageMeter;
}

function count(exchange: Exchange, bytes: number): void {
  exchange.received += bytes;
  if (exchange.blob) exchange.meter.add(exchange.blob, bytes);
}

/**
 * Counts body bytes on their way to Azurite and holds them back once: at the chunk that reaches
 * `at` — which the caller caps at the body's length, because Azurite answers as soon as the last
 * byte arrives, so holding back only the end of the stream would not hold the answer.
 */
class StallingMeter extends Transform {
  readonly #exchange: Exchange;
  #stall: { at: number; ms: number } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(exchange: Exchange, stall: { at: number; ms: number }) {
    super();
    this.#exchange = exchange;
    this.#stall = stall;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    count(this.#exchange, chunk.length);
    if (this.#stall && this.#exchange.received >= this.#stall.at) this.#hold(() => done(null, chunk));
    else done(null, chunk);
  }

  override _flush(done: () => void): void {
    // A request without a body: holding back its end holds back the request, hence the answer.
    if (this.#stall) this.#hold(done);
    else done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    done(error);
  }

  #hold(go: () => void): void {
    const { ms } = this.#stall!;
    this.#stall = undefined;
    this.#timer = setTimeout(go, ms);
    this.#timer.unref(); // the listening server keeps the process alive, not a stall
  }
}

/** Answers with Azure's error shape at once, and drains (and counts) whatever body follows. */
function refuse(req: IncomingMessage, res: ServerResponse, rule: ResolvedFaultRule, exchange: Exchange): void {
  req.on('data', (chunk: Buffer) => count(exchange, chunk.length));
  const [status, code, message] =
    rule.kind === 'auth'
      ? [rule.status ?? 403, 'AuthenticationFailed', 'Server failed to authenticate the request: the signature is invalid or has expired.']
      : rule.kind === 'rate-limit'
        ? [rule.status ?? 503, 'ServerBusy', 'The server is busy.']
        : [rule.status ?? 500, (rule.status ?? 500) === 503 ? 'ServerBusy' : 'InternalError', 'The server encountered an internal error. Please retry the request.'];
  const requestId = randomUUID();
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`;
  const headers: Record<string, string | number> = { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-ms-error-code': code, 'x-ms-request-id': requestId };
  if (rule.kind === 'rate-limit') headers['retry-after'] = String(rule.retryAfterSec ?? 1);
  exchange.status = status;
  res.writeHead(status, headers);
  res.end(body);
  req.resume();
}

/** Takes `afterBytes` of the body (default: half of it), then drops the connection. */
async function cut(req: IncomingMessage, rule: ResolvedFaultRule, exchange: Exchange): Promise<void> {
  const length = Number(req.headers['content-length'] ?? 0);
  const limit = rule.afterBytes ?? Math.floor((Number.isFinite(length) ? length : 0) / 2);
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      count(exchange, chunk.length);
      if (exchange.received >= limit) finish();
    };
    if (limit === 0) return finish();
    req.on('data', onData);
    req.once('end', finish);
    req.once('close', finish);
  });
  req.destroy();
}

function forwardHeaders(headers: IncomingHttpHeaders, host: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { host };
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  // A chunked request stays chunked: Node re-frames it when no length is given.
  if (headers['transfer-encoding'] && !headers['content-length']) out['transfer-encoding'] = 'chunked';
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}
