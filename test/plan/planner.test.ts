import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite/store.ts';
import type { LedgerStore } from '../../src/ledger/types.ts';
import { planManifest } from '../../src/plan/planner.ts';

function setup(csv: string): { store: LedgerStore; manifest: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-plan-'));
  const manifest = path.join(dir, 'm.csv');
  writeFileSync(manifest, csv);
  return { store: openSqliteLedger(path.join(dir, 'job.sqlite')), manifest };
}

async function keys(store: LedgerStore): Promise<string[]> {
  const all: string[] = [];
  for await (const record of store.iterate()) all.push(record.key);
  return all;
}

describe('planning through the reader thread', () => {
  it('plans every row across many small batches, reports each duplicate key once with where it repeats, and records rejected rows', async () => {
    const rows = Array.from({ length: 250 }, (_, index) => `k${index},https://x.example/${index}.mp4`);
    rows.splice(120, 0, 'k7,https://x.example/again.mp4', ',https://x.example/no-key.mp4', 'k7,https://x.example/third.mp4');
    const { store, manifest } = setup(`id,url\n${rows.join('\n')}\n`);
    await store.migrate();
    const duplicates: [string, string][] = [];
    const counts = await planManifest(store, { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, {
      policy: 'reupload',
      batchSize: 7, // many batches, more than the reader may send ahead
      onDuplicate: (key, origin) => duplicates.push([key, origin]),
    });
    expect(counts).toEqual({ added: 250, changed: 0, unchanged: 0, duplicates: 1, conflicts: 2, rejected: 1, withdrawn: 0, returned: 0 });
    // Both repeats name another URL than the row that stands: each is named.
    expect(duplicates).toEqual([
      ['k7', `${manifest}:122`],
      ['k7', `${manifest}:124`],
    ]);
    expect((await store.get('k7'))!.source).toBe('https://x.example/7.mp4'); // the first sighting wins
    expect((await keys(store)).length).toBe(251);
    expect((await store.stats()).counts).toMatchObject({ pending: 250, failed: 1 });
    await store.close();
  });

  it('a manifest problem found by the reader arrives as the same clear usage error, and the ledger keeps what it had', async () => {
    const { store, manifest } = setup('id,url\na,https://x.example/a.mp4\n');
    await store.migrate();
    await planManifest(store, { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, { policy: 'reupload' });
    writeFileSync(manifest, 'id,url\nb,"https://x.example/unclosed.mp4\n');
    const error = await planManifest(store, { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, { policy: 'reupload' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`${manifest}`);
    expect((error as Error).message).toContain('malformed CSV');
    expect(await keys(store)).toEqual(['a']);
    await store.close();
  });

  it('stops when its signal is aborted', async () => {
    const { store, manifest } = setup(`id,url\n${Array.from({ length: 50_000 }, (_, index) => `k${index},https://x.example/${index}.mp4`).join('\n')}\n`);
    await store.migrate();
    const controller = new AbortController();
    const planning = planManifest(store, { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, {
      policy: 'reupload',
      batchSize: 100,
      signal: controller.signal,
      onProgress: (counts) => {
        if (counts.added >= 1_000) controller.abort(new Error('interrupted'));
      },
    });
    await expect(planning).rejects.toThrow();
    expect((await store.stats()).total).toBeLessThan(50_000);
    await store.close();
  });

  it('names each conflicting repeat of a key (other source or other values) with the row that stands; exact repeats once', async () => {
    const rows = ['id,url,title', 'a,https://x.example/a.mp4,A', 'b,https://x.example/b.mp4,B', 'a,https://x.example/a.mp4,A', 'a,https://x.example/other.mp4,A', 'b,https://x.example/b.mp4,Another title', 'a,https://x.example/a.mp4,A'];
    const { store, manifest } = setup(`${rows.join('\n')}\n`);
    await store.migrate();
    const sightings: unknown[] = [];
    const spec = { type: 'csv', path: manifest, columns: { key: 'id', source: 'url', title: 'title' } } as const;
    const counts = await planManifest(store, spec, { policy: 'reupload', onDuplicate: (key, origin, conflict) => sightings.push({ key, origin, conflict }) });
    expect(counts).toMatchObject({ added: 2, duplicates: 2, conflicts: 2 });
    expect(sightings).toEqual([
      { key: 'a', origin: `${manifest}:4`, conflict: undefined },
      { key: 'a', origin: `${manifest}:5`, conflict: { standing: `${manifest}:2`, differs: ['source'] } },
      { key: 'b', origin: `${manifest}:6`, conflict: { standing: `${manifest}:3`, differs: ['title'] } },
    ]);
    expect((await store.get('a'))!.source).toBe('https://x.example/a.mp4');
    expect((await store.get('b'))!.fields).toEqual({ title: 'B' });

    // A re-plan of a file whose rows moved names the line where the standing row is now.
    writeFileSync(manifest, `${['id,url,title', 'c,https://x.example/c.mp4,C', ...rows.slice(1)].join('\n')}\n`);
    const again: unknown[] = [];
    await planManifest(store, spec, { policy: 'reupload', onDuplicate: (key, origin, conflict) => again.push({ key, origin, conflict }) });
    expect(again).toContainEqual({ key: 'a', origin: `${manifest}:6`, conflict: { standing: `${manifest}:3`, differs: ['source'] } });
    await store.close();
  });
});
