// The /metrics endpoint Prometheus scrapes, for `--metrics-port` (ferry run, and ferry work).
// A plain node:http server: one route, no framework. It serves counts only — job names,
// platform names, API method names — never a token, URL or item key.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { UsageError } from '../core/errors.ts';
import type { FerryMetrics } from './ferryMetrics.ts';

export interface MetricsServerOptions {
  /** 0 = any free port (the URL is logged). */
  port: number;
  /** Default 0.0.0.0: Prometheus usually scrapes from another machine. */
  host?: string;
  metrics: FerryMetrics;
  log: Logger;
}

export interface MetricsServer {
  /** e.g. http://0.0.0.0:9464/metrics */
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const { metrics, log } = options;
  const host = options.host ?? '0.0.0.0';
  const server = createServer((request, response) => {
    const route = (request.url ?? '/').split('?')[0];
    if (route !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('ferry serves Prometheus metrics at GET /metrics\n');
      return;
    }
    metrics.exposition().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => {
        log.warn({ err: error }, 'could not collect the metrics for a scrape');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('could not collect the metrics; see ferry\'s log\n');
      },
    );
  });
  await listen(server, options.port, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
  log.info({ url }, 'serving Prometheus metrics');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's kept-alive connection must not hold the end of the run.
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'is in use by another program' : error.code === 'EACCES' ? 'needs privileges ferry does not have' : `cannot be opened (${error.message})`;
      reject(new UsageError(`--metrics-port ${port}: port ${port} on ${host} ${reason}. Fix: choose another port (e.g. --metrics-port 9464).`, { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
}
