// Galleries as the real platform may keep them: a rid added twice is held twice (nothing says
// Cincopa dedupes), many rids per add_item call, an unknown rid among them refused or ignored —
// and the inventory that lets a test prove no gallery holds a rid twice and no two assets share a
// reference id, with the calls per method counted.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { call, ok, uploadDirect } from '../helpers/cincopaApi.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa'] });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.cincopa.configure({ dialect: 'classic', galleryDoubles: 'keep', addItemUnknownRid: 'refuse', failureStyle: 'http' });
  sandbox.journal.clear();
});

const assets = (count: number, prefix: string): Promise<string[]> => Promise.all(Array.from({ length: count }, (_, index) => uploadDirect(sandbox.cincopa, randomBytes(16), `${prefix}-${index}.mp4`)));
const gallery = async (name: string): Promise<string> => String((await ok(sandbox.cincopa, 'gallery.create', { name })).fid);
const members = (fid: string): string[] => sandbox.inventory().cincopa.galleries.find((candidate) => candidate.fid === fid)!.members;

describe('gallery.add_item', () => {
  it('keeps doubles by default: gallery.get_items lists each membership, the inventory names the doubles', async () => {
    const fid = await gallery('doubles');
    const [a, b] = await assets(2, 'double');
    await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${a},${b}` });
    await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: a! }); // a re-run, or a resume after a lost answer
    const listed = (await ok(sandbox.cincopa, 'gallery.get_items', { fid })) as { folder: { items: { rid: string }[]; items_data: { items_count: number } } };
    expect(listed.folder.items.map((item) => item.rid)).toEqual([a, b, a]);
    expect(listed.folder.items_data.items_count).toBe(3);
    const inventory = sandbox.inventory().cincopa;
    expect(inventory.galleries.find((candidate) => candidate.fid === fid)).toMatchObject({ members: [a, b, a], doubles: [a] });
    expect(inventory.galleryDoubles).toContainEqual({ fid, rid: a, count: 2 });
    expect(inventory.galleryDoubles.filter((double) => double.fid === fid)).toHaveLength(1);
  });

  it("'dedupe' ignores a rid the gallery holds, across calls and within one call", async () => {
    sandbox.cincopa.configure({ galleryDoubles: 'dedupe' });
    const fid = await gallery('deduped');
    const [a, b] = await assets(2, 'dedupe');
    await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${a},${a}` });
    expect(await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${b},${a}` })).toMatchObject({ added: 1 });
    expect(members(fid)).toEqual([a, b]);
    expect(sandbox.inventory().cincopa.galleryDoubles.some((double) => double.fid === fid)).toBe(false);
  });

  it('takes 50 comma-joined rids in one call, in order', async () => {
    const fid = await gallery('batch');
    const rids = await assets(50, 'batch');
    await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: rids.join(',') });
    expect(members(fid)).toEqual(rids);
    expect(sandbox.inventory().cincopa.calls['gallery.add_item']).toBe(1);
  });

  it("an unknown rid among known ones: 'refuse' (classic) fails the whole call and adds nothing", async () => {
    const fid = await gallery('refused');
    const [a, b] = await assets(2, 'refused');
    const refused = await call(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${a},ANOSUCHRID,${b}` });
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ success: false, message: expect.stringContaining('ANOSUCHRID') });
    expect(members(fid)).toEqual([]);
    sandbox.cincopa.configure({ failureStyle: 'success-false' });
    const inBody = await call(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${a},ANOSUCHRID` });
    expect(inBody.status).toBe(200);
    expect(inBody.body.success).toBe(false);
    expect(members(fid)).toEqual([]);
  });

  it("an unknown rid among known ones: 'ignore' (alt) adds the known ones and says nothing of the others", async () => {
    sandbox.cincopa.configure({ dialect: 'alt', addItemUnknownRid: 'ignore' });
    const fid = await gallery('ignored');
    const [a, b] = await assets(2, 'ignored');
    const body = await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${a},ANOSUCHRID,${b}` });
    expect(body).not.toHaveProperty('added'); // alt's answer carries no count: nothing tells the client
    expect(members(fid)).toEqual([a, b]);
  });

  it('asset.delete removes every membership; gallery.delete with delete_assets removes each member once', async () => {
    const fid = await gallery('cleanup');
    const [a, b] = await assets(2, 'cleanup');
    await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${a},${b},${a}` });
    await ok(sandbox.cincopa, 'asset.delete', { rid: a! });
    expect(members(fid)).toEqual([b]);
    await ok(sandbox.cincopa, 'gallery.add_item', { fid, rid: `${b}` });
    await ok(sandbox.cincopa, 'gallery.delete', { fid, delete_assets: 'yes' });
    const inventory = sandbox.inventory().cincopa;
    expect(inventory.assets.some((asset) => asset.rid === b)).toBe(false);
    expect(inventory.galleries.some((candidate) => candidate.fid === fid)).toBe(false);
  });
});

describe('inventory', () => {
  it('lists reference ids shared by several assets, and counts calls per method (upload chunks under "upload")', async () => {
    const [a, b, c] = await assets(3, 'shared');
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: a!, reference_id: 'ferry:inv:twin' });
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: b!, reference_id: 'ferry:inv:twin' });
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: c!, reference_id: 'ferry:inv:single' });
    const inventory = sandbox.inventory().cincopa;
    expect(inventory.duplicateReferences).toEqual([{ reference_id: 'ferry:inv:twin', rids: [a, b] }]);
    expect(inventory.calls).toMatchObject({ 'asset.get_upload_url': 3, upload: 3, 'asset.set_meta': 3 });
    expect(sandbox.journal.count({ service: 'cincopa', route: 'asset.set_meta' })).toBe(3);
    expect(sandbox.journal.count({ route: 'upload' })).toBe(3);
    const viaHttp = (await (await fetch(`${sandbox.cincopa.url.replace(/\/v2$/, '')}/_sandbox/inventory`)).json()) as { cincopa: { duplicateReferences: unknown[]; galleryDoubles: unknown[] } };
    expect(viaHttp.cincopa.duplicateReferences).toEqual(inventory.duplicateReferences);
  });
});
