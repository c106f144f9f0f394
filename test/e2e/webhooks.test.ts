// Webhook completion: with cincopa.webhook configured, ferry registers a hook, finishes fetches
// when Cincopa's deliveries arrive instead of polling them to the end, and removes its hook at
// the end — and a hook left behind by a crashed run is replaced, not doubled.

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { assetsByReference, galleryMembers } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  // Fetches take 1.5 s: long enough that a poller would ask several times.
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 1_500 } });
});
afterAll(async () => {
  await sandbox?.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('webhook completion', () => {
  it('completes every fetch from deliveries with about one status call per item, and removes its hook', async () => {
    const port = await freePort();
    const hookUrl = `http://127.0.0.1:${port}/hook`;
    // A hook a crashed run left behind at the same URL.
    await fetch(`${sandbox.cincopa.url}/webhook.set.json?api_token=${sandbox.cincopa.apiToken}&hook_url=${encodeURIComponent(hookUrl)}&events=asset.uploaded`);
    const rows = Array.from({ length: 12 }, (_, index) => ({ id: `w${index}`, url: `${sandbox.origin.url}/gen/hooked-${index}.mp4?size=${2000 + index}`, title: `Hooked ${index}` }));
    const job = makeJobDir({
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      rows,
      name: 'hooked',
      config: { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, pollIntervalMs: 50, webhook: { publicUrl: hookUrl, listen: `127.0.0.1:${port}` } } },
    });
    const statusCallsBefore = sandbox.journal.entries({ route: 'asset.upload_from_url_get_status' }).length;
    const started = Date.now();
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('done 12');
    // Without deliveries the first fallback poll would come after 30 s.
    expect(Date.now() - started).toBeLessThan(25_000);
    const statusCalls = sandbox.journal.entries({ route: 'asset.upload_from_url_get_status' }).length - statusCallsBefore;
    expect(statusCalls / 12).toBeLessThanOrEqual(1.5);
    const inventory = sandbox.inventory();
    expect(inventory.cincopa.webhooks.filter((hook) => hook.hook_url === hookUrl)).toEqual([]);
    expect(assetsByReference(inventory, 'ferry:hooked:').size).toBe(12);
    expect(galleryMembers(inventory, 'e2e gallery').filter((rid) => inventory.cincopa.assets.some((asset) => asset.rid === rid && asset.reference_id.startsWith('ferry:hooked:')))).toHaveLength(12);
  });
});
