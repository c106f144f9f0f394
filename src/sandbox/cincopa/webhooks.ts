// Webhook deliveries as the real platform sends them (evidence C2, C6): one flat JSON object per
// event — `event`, the asset's rid as `drid`, its numeric `id`, `reference_id`, `caption`,
// `filename`, `description`, `type`, `modified`, ... — POSTed to every hook registered for the
// event (or for `asset.*`), retried with backoff until the receiver answers 200, giving up
// after a bounded number of tries so a dead receiver cannot keep the sandbox busy forever.
// No source shows how `security_key` is delivered (C2 says verification is "currently
// disabled"), so no signature or key header is sent: a receiver must not depend on one.

import { request } from 'node:http';
import type { Asset, CincopaState } from './state.ts';

const MAX_TRIES = 12;

export type AssetEvent = 'asset.uploaded' | 'asset.updated';

/** The delivered body for an asset event. `id` is the numeric asset id (C6 reads `body.id`). */
export function assetPayload(event: AssetEvent, asset: Asset): Record<string, unknown> {
  return {
    event,
    drid: asset.rid,
    id: asset.id,
    reference_id: asset.reference_id,
    caption: asset.caption,
    filename: asset.filename,
    description: asset.description,
    long_description: asset.long_description,
    related_link_text: asset.related_link_text,
    related_link_url: asset.related_link_url,
    type: asset.type,
    uploaded: asset.uploaded,
    modified: asset.modified,
  };
}

export class WebhookDispatcher {
  readonly #state: CincopaState;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  /** Deliveries the receiver answered with 200. */
  delivered = 0;

  constructor(state: CincopaState) {
    this.#state = state;
  }

  emit(event: AssetEvent, asset: Asset): void {
    let payload: Record<string, unknown> | undefined;
    for (const hook of this.#state.webhooks.values()) {
      if (!hook.events.some((wanted) => wanted === event || wanted === 'asset.*' || wanted === '*')) continue;
      // Snapshot now: a later set_meta must not change what this event said.
      payload ??= assetPayload(event, asset);
      this.#deliver(hook.hook_url, JSON.stringify(payload), 1);
    }
  }

  #deliver(url: string, body: string, attempt: number): void {
    const retry = (): void => {
      if (attempt >= MAX_TRIES || this.#closed) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#deliver(url, body, attempt + 1);
      }, Math.min(5_000, 50 * 2 ** attempt));
      timer.unref();
      this.#timers.add(timer);
    };
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      if (res.statusCode === 200) this.delivered++;
      else retry();
    });
    req.setTimeout(5_000, () => req.destroy());
    req.on('error', retry);
    req.end(body);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
