// The emulated Cincopa at migration scale: 100,000 assets listed page by page, looked up by
// reference id (exact and substring) and searched, without the sandbox becoming what limits a
// run. Assets are created in-process (100,000 uploads over HTTP would test nothing more).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Faults } from '../../src/sandbox/faults.ts';
import { Journal } from '../../src/sandbox/journal.ts';
import { startCincopaSandbox, type CincopaSandbox } from '../../src/sandbox/cincopa/server.ts';
import { ReferenceIndex } from '../../src/sandbox/cincopa/referenceIndex.ts';
import { ok } from '../helpers/cincopaApi.ts';

const ASSETS = 100_000;
const key = (index: number): string => `ferry:scale:videos/clip-${String(index).padStart(6, '0')}.mp4`;

let sandbox: CincopaSandbox;

beforeAll(async () => {
  sandbox = await startCincopaSandbox({ host: '127.0.0.1', port: 0, journal: new Journal(), faults: new Faults() });
  for (let index = 0; index < ASSETS; index++) {
    const asset = sandbox.state.createAsset({ filename: `clip-${index}.mp4`, filesize: index, md5: '0'.repeat(32), source: 'url' });
    sandbox.state.setReference(asset, key(index));
  }
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
});

/** CPU milliseconds `work` takes: unlike wall time, not inflated by other suites sharing the machine. */
function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe(`${ASSETS} assets`, () => {
  it('asset.list pages through all of them: every asset once, in creation order', { timeout: 120_000 }, async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const body = await ok(sandbox, 'asset.list', { page: String(page), items_per_page: '500' });
      const data = body.items_data as { pages_count: number; items_count: number };
      expect(data.items_count).toBe(ASSETS);
      for (const item of body.items as { rid: string }[]) seen.push(item.rid);
      if (page >= data.pages_count) break;
    }
    expect(seen).toEqual(sandbox.state.ordered().map((asset) => asset.rid));
    expect(new Set(seen).size).toBe(ASSETS);
    expect(((await ok(sandbox, 'asset.list', { page: String(ASSETS / 50 + 1) })).items as unknown[]).length).toBe(0);
  });

  it('reference_id lookups answer right over HTTP, exact and by substring; a substring many ids contain is paged', { timeout: 60_000 }, async () => {
    for (const match of ['exact', 'substring'] as const) {
      sandbox.configure({ referenceMatch: match });
      for (let index = 0; index < 50; index++) {
        const items = (await ok(sandbox, 'asset.list', { reference_id: key(index * 1999) })).items as { reference_id: string }[];
        expect(items.map((item) => item.reference_id)).toEqual([key(index * 1999)]);
      }
    }
    const many = await ok(sandbox, 'asset.list', { reference_id: 'clip-0001', items_per_page: '500' });
    expect(many.items_data).toMatchObject({ items_count: 100, pages_count: 1 });
    sandbox.configure({ referenceMatch: 'exact' });
  });

  it('a lookup costs far less than a scan: exact and substring indexes vs ~10 ms of CPU to scan 100,000 ids', () => {
    const lookups = 1_000;
    const scan = cpuMs(() => {
      for (let index = 0; index < 20; index++) sandbox.state.ordered().filter((asset) => asset.reference_id.includes(key(index)));
    }) / 20;
    const exact = cpuMs(() => {
      for (let index = 0; index < lookups; index++) expect(sandbox.state.byReference(key(index * 97), 'exact')).toHaveLength(1);
    }) / lookups;
    sandbox.state.byReference('warm-up', 'substring'); // the trigram index is built on first use, once
    const substring = cpuMs(() => {
      for (let index = 0; index < lookups; index++) expect(sandbox.state.byReference(key(index * 97), 'substring')).toHaveLength(1);
    }) / lookups;
    const figures = `per lookup: scan ${scan.toFixed(2)} ms, exact ${exact.toFixed(3)} ms, substring ${substring.toFixed(3)} ms`;
    expect(exact, figures).toBeLessThan(scan / 10);
    expect(substring, figures).toBeLessThan(scan / 10);
  });

  it('search (a scan by nature) finds by filename among all of them', async () => {
    const body = await ok(sandbox, 'asset.list', { search: 'clip-99999.mp4' });
    expect((body.items as { filename: string }[]).map((item) => item.filename)).toEqual(['clip-99999.mp4']);
  });
});

describe('ReferenceIndex', () => {
  it('follows changes: a removed reference id is no longer found, a re-added one is found once', () => {
    const index = new ReferenceIndex();
    index.add('ferry:a:k1', 'R1');
    index.add('ferry:a:k1-0001', 'R2');
    index.add('ferry:a:k1', 'R3');
    expect(index.containing('a:k1').sort()).toEqual(['R1', 'R2', 'R3']);
    index.remove('ferry:a:k1', 'R1');
    index.remove('ferry:a:k1', 'R3');
    expect(index.exact('ferry:a:k1')).toEqual([]);
    expect(index.containing('a:k1')).toEqual(['R2']);
    index.add('ferry:a:k1', 'R1');
    expect(index.containing('ferry:a:k1').sort()).toEqual(['R1', 'R2']);
    expect(index.containing('')).toEqual([]);
    expect(index.containing('k')).toHaveLength(2);
    expect(index.containing('zzz')).toEqual([]);
  });
});
