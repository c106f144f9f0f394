// Webhook deliveries: JSON POSTs to every hook registered for the event, retried with backoff
// until the receiver answers 200 (as Cincopa documents), giving up after a bounded number of
// tries so a dead receiver cannot keep the sandbox busy forever.

import { request } from 'node:http';
import type { CincopaState } from './state.ts';

const MAX_TRIES = 12;

export class WebhookDispatcher {
  readonly #state: CincopaState;
  readonly #timers = new Set<NodeJS.Timeout>();
  delivered = 0;

  constructor(state: CincopaState) {
    this.#state = state;
  }

  emit(event: 'asset.uploaded' | 'asset.updated', data: Record<string, unknown>): void {
    for (const hook of this.#state.webhooks.values()) {
      if (hook.events.includes(event)) this.#deliver(hook.hook_url, hook.security_key, { event, data, time: new Date().toISOString() }, 1);
    }
  }

  #deliver(url: string, securityKey: string, payload: unknown, attempt: number): void {
    const body = JSON.stringify(payload);
    const retry = (): void => {
      if (attempt >= MAX_TRIES) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#deliver(url, securityKey, payload, attempt + 1);
      }, Math.min(5_000, 50 * 2 ** attempt));
      timer.unref();
      this.#timers.add(timer);
    };
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-cincopa-security-key': securityKey } }, (res) => {
      res.resume();
      if (res.statusCode === 200) this.delivered++;
      else retry();
    });
    req.setTimeout(5_000, () => req.destroy());
    req.on('error', retry);
    req.end(body);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
