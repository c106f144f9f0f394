// The Cintoo port's /_sandbox/ endpoints, for tests and operators outside the process: inventory,
// journal, faults, runtime settings, and a fresh login.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { CintooClient, declare, refresh, type CintooHandle } from '../helpers/cintoo.ts';

let sandbox: Sandbox;
let cintoo: CintooHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'] });
  cintoo = sandbox.cintoo!;
});
afterAll(async () => {
  await sandbox?.close();
});

const control = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${cintoo.url}/_sandbox/${path}`, { ...init, headers: { 'content-type': 'application/json' } });

describe('Cintoo /_sandbox/ endpoints', () => {
  it('changes runtime settings, and refuses the unknown or the startup-only ones', async () => {
    const changed = await control('settings', { method: 'POST', body: JSON.stringify({ reRegister: 'same-file', blobSasPermissions: 'rcw', accessTokenTtlSec: 5 }) });
    expect(changed.status).toBe(200);
    expect(cintoo.settings).toMatchObject({ reRegister: 'same-file', blobSasPermissions: 'rcw', accessTokenTtlSec: 5 });
    expect((await control('settings', { method: 'POST', body: JSON.stringify({ storageDir: '/tmp/x' }) })).status).toBe(400);
    expect((await control('settings', { method: 'POST', body: JSON.stringify({ reRegister: 'maybe' }) })).status).toBe(400);
    expect(((await (await control('settings')).json()) as { reRegister: string }).reRegister).toBe('same-file');
    const signed = await new CintooClient(cintoo).sign([declare('c.e57', Buffer.from('c'))]);
    expect(new URL(signed.files[0]!.url).searchParams.get('sp')).toBe('rcw');
  });

  it('logs in again: a fresh pair whose refresh token works', async () => {
    const pair = (await (await control('login', { method: 'POST' })).json()) as { access_token: string; refresh_token: string; expires_in: number };
    expect(pair.expires_in).toBe(5);
    expect((await refresh(cintoo, pair.refresh_token)).status).toBe(200);
  });

  it('adds, lists and clears fault rules, and shows the journal and the inventory', async () => {
    const added = (await (await control('faults', { method: 'POST', body: JSON.stringify([{ service: 'azurite', route: 'PutBlock', kind: 'stall', stallMs: 10, afterBytes: 5 }]) })).json()) as { ids: number[] };
    expect(added.ids).toHaveLength(1);
    expect((await control('faults', { method: 'POST', body: JSON.stringify({ kind: 'nonsense' }) })).status).toBe(400);
    expect(((await (await control('faults')).json()) as { kind: string }[]).map((rule) => rule.kind)).toEqual(['stall']);
    await control('faults', { method: 'DELETE' });
    expect(sandbox.faults.list()).toEqual([]);
    const journal = (await (await control('journal?service=cintoo&route=POST%20bulk-files')).json()) as { route: string }[];
    expect(journal.length).toBeGreaterThan(0);
    expect(journal.every((entry) => entry.route === 'POST bulk-files')).toBe(true);
    const inventory = (await (await control('inventory')).json()) as { blobs: { name: string }[]; projects: unknown[] };
    expect(inventory.blobs.map((blob) => blob.name)).toContain('c.e57');
    expect(inventory.projects.length).toBe(2);
  });
});
