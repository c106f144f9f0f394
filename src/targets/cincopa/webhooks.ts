// Webhook completion: instead of polling every fetch until it is done, ferry registers a
// webhook (webhook.set, events asset.uploaded and asset.updated) and lets Cincopa say when an
// asset exists. A delivery wakes the items it may concern — those waiting on a fetch of a
// source with the delivery's file name — and they poll once, now; polling remains as a slow
// fallback for deliveries that never come. Deliveries are flat JSON (evidence.md C2/C6:
// `event`, `drid` or `id`, `filename`, `reference_id`, ...); older nested shapes are read too.
// No signature scheme is documented, so a delivery is a hint, never a fact: it only makes an
// item ask Cincopa sooner. The receiver answers 200 at once.
//
// The hook is removed when the run ends, and a hook left at the same URL by a crashed run is
// removed before the new one is set.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CincopaClient } from './client.ts';
import { pages } from './lookup.ts';

export interface WebhookSettings {
  /** Where Cincopa can reach this process, e.g. https://ferry.example.com/hooks/cincopa. */
  publicUrl: string;
  /** Local address to listen on, `host:port`. */
  listen: string;
}

export const WEBHOOK_EVENTS = 'asset.uploaded,asset.updated';
const MAX_BODY = 64 * 1024;

export interface Delivery {
  event: string;
  rid: string | undefined;
  filename: string | undefined;
  referenceId: string | undefined;
}

export function readDelivery(body: unknown): Delivery | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const flat = body as Record<string, unknown>;
  const data = flat.data && typeof flat.data === 'object' ? (flat.data as Record<string, unknown>) : {};
  const text = (...values: unknown[]): string | undefined => values.find((value): value is string => typeof value === 'string' && value !== '');
  return {
    event: text(flat.event, flat.type) ?? 'unknown',
    rid: text(flat.drid, flat.rid, flat.id, data.rid, data.drid),
    filename: text(flat.filename, data.filename),
    referenceId: text(flat.reference_id, data.reference_id),
  };
}

export class WebhookReceiver {
  readonly #settings: WebhookSettings;
  readonly #client: CincopaClient;
  readonly #log: Logger;
  readonly #onDelivery: (delivery: Delivery) => void;
  #server: Server | undefined;
  deliveries = 0;

  constructor(settings: WebhookSettings, client: CincopaClient, log: Logger, onDelivery: (delivery: Delivery) => void) {
    this.#settings = settings;
    this.#client = client;
    this.#log = log;
    this.#onDelivery = onDelivery;
  }

  /** Listen, clear a hook a crashed run left at our URL, and register ours. */
  async start(signal: AbortSignal): Promise<void> {
    await this.#listen();
    await this.#removeOurHooks(signal);
    await this.#client.call('webhook.set', { hook_url: this.#settings.publicUrl, events: WEBHOOK_EVENTS }, signal);
    this.#log.info({ hookUrl: this.#settings.publicUrl, listen: this.address }, 'webhook registered; polling only as a slow fallback');
  }

  get address(): string | undefined {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    return address ? `${address.address}:${address.port}` : undefined;
  }

  async stop(): Promise<void> {
    try {
      await this.#client.call('webhook.delete', { hook_url: this.#settings.publicUrl }, AbortSignal.timeout(15_000));
    } catch (error) {
      this.#log.warn({ err: error }, 'could not remove the webhook; the next run removes it');
    }
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }

  async #removeOurHooks(signal: AbortSignal): Promise<void> {
    for await (const hook of pages<{ hook_url?: string; url?: string }>(this.#client, 'webhook.list', {}, ['webhooks', 'items', 'hooks'], signal)) {
      if ((hook.hook_url ?? hook.url) === this.#settings.publicUrl) {
        await this.#client.call('webhook.delete', { hook_url: this.#settings.publicUrl }, signal);
        this.#log.info('removed a webhook an earlier run left behind');
        return;
      }
    }
  }

  #listen(): Promise<void> {
    const separator = this.#settings.listen.lastIndexOf(':');
    const host = this.#settings.listen.slice(0, separator) || '0.0.0.0';
    const port = Number(this.#settings.listen.slice(separator + 1));
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        // Answer first: Cincopa retries until it gets a 200, and a slow receiver delays everything.
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        if (req.method !== 'POST' || size > MAX_BODY) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return;
        }
        const delivery = readDelivery(body);
        if (!delivery) return;
        this.deliveries++;
        this.#onDelivery(delivery);
      });
    });
    return new Promise((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(port, host, () => resolve());
    });
  }
}
