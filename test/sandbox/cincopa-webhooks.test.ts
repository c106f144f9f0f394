// Webhook deliveries in the real flat shape (C2, C6): asset.uploaded when an asset is created by
// a fetch or a direct upload, asset.updated when set_meta changes it (not when it changes
// nothing), `asset.*` subscribing to both, redelivery until the receiver answers 200, and no
// invented signature header.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { fetchToEnd, ok, ridOf, uploadDirect, waitFor } from '../helpers/cincopaApi.ts';

interface Delivery {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  answered: number;
}

let sandbox: Sandbox;
let receiver: Server;
let hookUrl: string;
const deliveries: Delivery[] = [];
/** Status the receiver answers for the next deliveries, in order; 200 once used up. */
const script: number[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5 } });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answered = script.shift() ?? 200;
      deliveries.push({ body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>, headers: req.headers, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await sandbox?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(async () => {
  deliveries.length = 0;
  script.length = 0;
  countedBefore = sandbox.inventory().cincopa.webhookDeliveries;
  for (const { hook_url } of sandbox.inventory().cincopa.webhooks) await ok(sandbox.cincopa, 'webhook.delete', { hook_url });
});

/** Waits until `count` deliveries were answered 200 and the sandbox has heard each answer. */
const delivered = (count: number): Promise<unknown> =>
  waitFor(
    () => [deliveries.filter((delivery) => delivery.answered === 200).length, sandbox.inventory().cincopa.webhookDeliveries] as const,
    ([answered, counted]) => answered >= count && counted >= count + countedBefore,
    5_000,
    `${count} deliveries`,
  );
let countedBefore = 0;

describe('webhooks', () => {
  it('a direct upload and a fetch each deliver asset.uploaded; set_meta that changes something delivers asset.updated', async () => {
    await ok(sandbox.cincopa, 'webhook.set', { hook_url: hookUrl, events: 'asset.uploaded,asset.updated', security_key: 'k-123' });
    const direct = await uploadDirect(sandbox.cincopa, randomBytes(64), 'direct clip.mp4');
    const fetched = ridOf(await fetchToEnd(sandbox.cincopa, sandbox.origin.url, 'fetched.mov', 256));
    await delivered(2);
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: direct, reference_id: 'ferry:hooks:direct', caption: 'Direct' });
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: direct, reference_id: 'ferry:hooks:direct', caption: 'Direct' }); // no change, no event
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: fetched, description: 'fetched one' });
    await delivered(4);

    const byEvent = (event: string) => deliveries.filter((delivery) => delivery.body.event === event).map((delivery) => delivery.body);
    expect(byEvent('asset.uploaded').map((body) => body.drid).sort()).toEqual([direct, fetched].sort());
    expect(byEvent('asset.uploaded').find((body) => body.drid === direct)).toMatchObject({ filename: 'direct clip.mp4', type: 'video', id: expect.any(Number), reference_id: '' });
    expect(byEvent('asset.updated')).toEqual([
      expect.objectContaining({ drid: direct, reference_id: 'ferry:hooks:direct', caption: 'Direct', filename: 'direct clip.mp4' }),
      expect.objectContaining({ drid: fetched, description: 'fetched one', type: 'video' }),
    ]);
    for (const { body, headers } of deliveries) {
      expect(Object.keys(body)).toEqual(expect.arrayContaining(['event', 'drid', 'id', 'reference_id', 'caption', 'filename', 'description', 'type', 'modified']));
      expect(JSON.stringify(headers)).not.toContain('k-123');
      expect(body).not.toHaveProperty('data');
    }
    expect(sandbox.inventory().cincopa.webhookDeliveries - countedBefore).toBe(4);
  });

  it('redelivers until the receiver answers 200', async () => {
    await ok(sandbox.cincopa, 'webhook.set', { hook_url: hookUrl, events: 'asset.uploaded' });
    script.push(500, 404, 503);
    const rid = await uploadDirect(sandbox.cincopa, randomBytes(8), 'retried.mp4');
    await delivered(1);
    expect(deliveries.map((delivery) => [delivery.body.drid, delivery.answered])).toEqual([
      [rid, 500],
      [rid, 404],
      [rid, 503],
      [rid, 200],
    ]);
  });

  it('asset.* subscribes to both events; a hook not subscribed to an event gets none', async () => {
    await ok(sandbox.cincopa, 'webhook.set', { hook_url: hookUrl, events: 'asset.*' });
    const rid = await uploadDirect(sandbox.cincopa, randomBytes(8), 'wild.mp4');
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, caption: 'Wild' });
    await delivered(2);
    expect(deliveries.map((delivery) => delivery.body.event)).toEqual(['asset.uploaded', 'asset.updated']);

    await ok(sandbox.cincopa, 'webhook.set', { hook_url: hookUrl, events: 'asset.updated' });
    const listed = (await ok(sandbox.cincopa, 'webhook.list')).webhooks;
    expect(listed).toEqual([{ hook_url: hookUrl, events: 'asset.updated' }]); // set replaces a hook's events
    await uploadDirect(sandbox.cincopa, randomBytes(8), 'unheard.mp4');
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, caption: 'Wilder' });
    await delivered(3);
    expect(deliveries.map((delivery) => delivery.body.event)).toEqual(['asset.uploaded', 'asset.updated', 'asset.updated']);
  });
});
