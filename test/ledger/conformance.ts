// The ledger's contract, as a suite every LedgerStore implementation must pass (SQLite and
// PostgreSQL), opened through the one factory: planning and re-planning, change policy,
// duplicates and conflicting repeats, claiming with leases, transitions guarded by the lease,
// backoff, expediting, amending outside a lease, stats, iteration, retry, job definitions,
// schema versions, opening an existing ledger only.

import { afterAll, describe, expect, it } from 'vitest';
import { LedgerNotFoundError, LedgerTooNewError } from '../../src/ledger/errors.ts';
import { openLedger, type OpenLedgerOptions } from '../../src/ledger/open.ts';
import { LeaseLostError, type LedgerStore } from '../../src/ledger/types.ts';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import type { ManifestItem, RejectedRow } from '../../src/manifest/types.ts';

/** A manifest item whose content (its title) is `version`: a new version is a changed row. */
export function item(key: string, version = 'v1', extra: Partial<ManifestItem> = {}): ManifestItem {
  return { key, source: `https://cdn.example.com/${key}.mp4`, fields: { title: `${key} ${version}` }, size: null, mtimeMs: null, origin: `manifest.csv:${key}`, ...extra };
}

async function planned(store: LedgerStore, items: (ManifestItem | RejectedRow)[], policy: 'reupload' | 'ignore' = 'reupload') {
  const generation = await store.beginPlan();
  return store.upsertPlanned(generation, encodePlanBatch(items), policy);
}

async function finish(store: LedgerStore, key: string): Promise<void> {
  const [claimed] = (await store.claim('w', 100, 60_000)).filter((record) => record.key === key);
  if (!claimed) throw new Error(`could not claim ${key}`);
  await store.transition(key, 'w', { state: 'done', remote: { rid: `R-${key}` }, finishedAt: Date.now() });
  await store.releaseLeases('w');
}

/** How the suite gets ledgers of one backend. */
export interface LedgerHarness {
  /** Where a new ledger of a new job goes: SQLite a new file, PostgreSQL a new job in the test file's database. */
  fresh(): { location: string; job: string };
  /** Make the ledger at `location` look migrated by a newer ferry (schema `version`); returns the undo. */
  pretendNewerSchema(location: string, version: number): Promise<() => Promise<void>>;
}

export function describeLedgerConformance(name: string, harness: LedgerHarness): void {
  describe(`ledger conformance: ${name}`, () => {
    const opened: LedgerStore[] = [];
    afterAll(async () => {
      await Promise.all(opened.map((store) => store.close()));
    });
    const open = async (location: string, options: OpenLedgerOptions): Promise<LedgerStore> => {
      const store = await openLedger(location, options);
      opened.push(store);
      return store;
    };
    const makeStore = async (): Promise<LedgerStore> => {
      const { location, job } = harness.fresh();
      const store = await open(location, { job });
      await store.migrate();
      return store;
    };

    it('plans new items as pending and reports duplicates within one plan once per sighting', async () => {
      const store = await makeStore();
      const result = await planned(store, [item('a'), item('b'), item('a', 'other'), item('c')]);
      expect(result).toMatchObject({ added: 3, duplicates: 1, duplicateSightings: [{ key: 'a', origin: 'manifest.csv:a' }] });
      expect((await store.get('a'))!).toMatchObject({ state: 'pending', fields: { title: 'a v1' }, attempts: 0, revision: 0 });
      expect((await store.stats()).total).toBe(3);
    });

    it('re-plans: unchanged and done items are left alone, changed ones follow the policy', async () => {
      const store = await makeStore();
      await planned(store, [item('same'), item('edited'), item('finished')]);
      await finish(store, 'finished');
      await finish(store, 'edited');
      const result = await planned(store, [item('same'), item('edited', 'v2'), item('finished'), item('new')]);
      expect(result).toMatchObject({ added: 1, changed: 1, unchanged: 2, duplicates: 0 });
      expect((await store.get('finished'))!).toMatchObject({ state: 'done', remote: { rid: 'R-finished' } });
      // reupload: a finished item whose manifest entry changed goes round again as a new revision.
      expect((await store.get('edited'))!).toMatchObject({ state: 'pending', fields: { title: 'edited v2' }, remote: {}, revision: 1, finishedAt: null });

      const ignored = await planned(store, [item('same', 'v9')], 'ignore');
      expect(ignored.changed).toBe(1);
      expect((await store.get('same'))!.fields).toEqual({ title: 'same v1' });
    });

    it('records rejected rows as failed, but never over a done item', async () => {
      const store = await makeStore();
      await planned(store, [item('ok')]);
      await finish(store, 'ok');
      const result = await planned(store, [
        { key: 'ok', source: '', origin: 'm.csv:2', reason: 'm.csv:2: the source is empty' },
        { key: 'bad', source: 'javascript:alert(1)', origin: 'm.csv:3', reason: 'm.csv:3: the source is not an http(s) URL' },
      ]);
      expect(result).toMatchObject({ rejected: 2, added: 0 });
      expect((await store.get('ok'))!.state).toBe('done');
      // The row's source is kept as written, so the failed-only report shows what to fix.
      expect((await store.get('bad'))!).toMatchObject({ state: 'failed', source: 'javascript:alert(1)', lastError: 'm.csv:3: the source is not an http(s) URL', errorClass: 'rejected' });
      expect(await store.retryFailed()).toBe(0); // a rejected row needs a corrected manifest, not a retry
    });

    it('plans and re-plans hundreds of rows in bulk with the same outcome as row by row', async () => {
      const store = await makeStore();
      const keys = Array.from({ length: 350 }, (_, index) => `k${index}`);
      const first = keys.map((key) => item(key));
      first.splice(150, 0, item('k5', 'repeat')); // a duplicate inside a chunk of new keys
      expect(await planned(store, first)).toMatchObject({ added: 350, changed: 0, unchanged: 0, duplicates: 1, duplicateSightings: [{ key: 'k5' }] });
      expect((await store.get('k5'))!.fields).toEqual({ title: 'k5 v1' });

      // Chunks of a hundred: a new key in the first, a changed one alone in the second, a duplicate in the third.
      const second = keys.map((key) => item(key, key === 'k120' ? 'v2' : 'v1'));
      second.splice(30, 0, item('n1'));
      second.splice(210, 0, item('k10'));
      expect(await planned(store, second)).toMatchObject({ added: 1, changed: 1, unchanged: 349, duplicates: 1, duplicateSightings: [{ key: 'k10' }] });
      expect((await store.get('k120'))!.fields).toEqual({ title: 'k120 v2' });
      expect((await store.get('n1'))!.state).toBe('pending');

      const third = [...keys.map((key) => item(key, key === 'k120' ? 'v2' : 'v1')), item('n1')];
      expect(await planned(store, third)).toMatchObject({ added: 0, changed: 0, unchanged: 351, duplicates: 0 });
      expect((await store.stats()).total).toBe(351);
    });

    it('a row that turns bad while its item is in flight lets the upload finish what it started', async () => {
      const store = await makeStore();
      await planned(store, [item('busy')]);
      await store.claim('w', 1, 60_000);
      await store.transition('busy', 'w', { state: 'submitted', remote: { statusId: 'S1' } });
      const result = await planned(store, [{ key: 'busy', source: '', origin: 'm.csv:2', reason: 'm.csv:2: the source is empty' }]);
      expect(result).toMatchObject({ rejected: 1, duplicates: 0 });
      expect((await store.get('busy'))!).toMatchObject({ state: 'submitted', remote: { statusId: 'S1' }, source: 'https://cdn.example.com/busy.mp4' });
    });

    it('a rejected row, once corrected in the manifest, is planned again whatever the policy', async () => {
      const store = await makeStore();
      await planned(store, [{ key: 'fixed', source: '', origin: 'm.csv:2', reason: 'm.csv:2: the source is empty' }]);
      const result = await planned(store, [item('fixed')], 'ignore');
      expect(result).toMatchObject({ added: 0, changed: 1 });
      expect((await store.get('fixed'))!).toMatchObject({ state: 'pending', lastError: null, errorClass: null, source: 'https://cdn.example.com/fixed.mp4' });
      expect(await store.claim('w', 10, 60_000)).toHaveLength(1);
    });

    it('a file whose size or mtime changed is a changed item; the same size and mtime is not', async () => {
      const store = await makeStore();
      const file = (size: number, mtimeMs: number) => item('scan.e57', 'v1', { source: '/data/scan.e57', size, mtimeMs });
      await planned(store, [file(100, 1_000)]);
      expect(await planned(store, [file(100, 1_000)])).toMatchObject({ unchanged: 1, changed: 0 });
      expect(await planned(store, [file(100, 2_000)])).toMatchObject({ unchanged: 0, changed: 1 });
      expect(await planned(store, [file(120, 2_000)])).toMatchObject({ unchanged: 0, changed: 1 });
      expect((await store.get('scan.e57'))!).toMatchObject({ size: 120, mtimeMs: 2_000 });
    });

    it('claims each item once, respects leases and not-before, and reclaims expired leases', async () => {
      const store = await makeStore();
      await planned(store, ['a', 'b', 'c', 'd'].map((key) => item(key)));
      const now = Date.now();
      const first = await store.claim('w1', 3, 1_000, now);
      const second = await store.claim('w2', 3, 1_000, now);
      expect(first).toHaveLength(3);
      expect(second).toHaveLength(1);
      expect(new Set([...first, ...second].map((record) => record.key)).size).toBe(4);
      expect(await store.claim('w3', 10, 1_000, now + 500)).toHaveLength(0);
      const reclaimed = await store.claim('w3', 10, 1_000, now + 1_500);
      expect(reclaimed).toHaveLength(4);
      expect(reclaimed[0]!.leaseOwner).toBe('w3');
    });

    it('guards transitions by the lease: a worker that lost it cannot overwrite progress', async () => {
      const store = await makeStore();
      await planned(store, [item('x')]);
      const now = Date.now();
      await store.claim('old', 1, 100, now);
      await store.claim('new', 1, 60_000, now + 200);
      await expect(store.transition('x', 'old', { state: 'submitted' })).rejects.toBeInstanceOf(LeaseLostError);
      const record = await store.transition('x', 'new', { state: 'submitted', remote: { statusId: 's1' } });
      expect(record).toMatchObject({ state: 'submitted', remote: { statusId: 's1' }, leaseOwner: 'new' });
    });

    it('releases the lease on terminal states and on request, and honours not-before', async () => {
      const store = await makeStore();
      await planned(store, [item('p'), item('q')]);
      await store.claim('w', 2, 60_000);
      const waiting = await store.transition('p', 'w', { attempts: 1, notBefore: Date.now() + 60_000, lastError: 'reset', releaseLease: true });
      expect(waiting).toMatchObject({ leaseOwner: null, attempts: 1 });
      const done = await store.transition('q', 'w', { state: 'done', finishedAt: Date.now() });
      expect(done.leaseOwner).toBeNull();
      expect(await store.claim('w', 10, 60_000)).toHaveLength(0);
      const wake = await store.nextWakeAt();
      expect(wake).toBeGreaterThan(Date.now() + 50_000);
      expect(await store.claim('w', 10, 60_000, Date.now() + 61_000)).toHaveLength(1);
    });

    it('renews, releases and frees leases', async () => {
      const store = await makeStore();
      await planned(store, [item('r'), item('s')]);
      const now = Date.now();
      await store.claim('w', 2, 1_000, now);
      expect(await store.renewLeases('w', 10_000, now + 500)).toBe(2);
      expect(await store.claim('x', 2, 1_000, now + 2_000)).toHaveLength(0); // renewed: still held
      expect(await store.releaseAllLeases()).toBe(2);
      expect(await store.claim('x', 2, 1_000, now + 2_000)).toHaveLength(2);
      await store.releaseLeases('x');
      expect(await store.nextWakeAt()).not.toBeNull();
    });

    it('counts per state, recent finishes, bytes and top error classes', async () => {
      const store = await makeStore();
      await planned(store, ['a', 'b', 'c', 'd'].map((key) => item(key)));
      await store.claim('w', 4, 60_000);
      await store.transition('a', 'w', { state: 'done', bytes: 1000, finishedAt: Date.now() });
      await store.transition('b', 'w', { state: 'failed', errorClass: 'permanent:source', lastError: 'HTTP 404', finishedAt: Date.now() });
      await store.transition('c', 'w', { state: 'failed', errorClass: 'permanent:source', lastError: 'HTTP 410', finishedAt: Date.now() });
      const stats = await store.stats();
      expect(stats).toMatchObject({ total: 4, recentlyFinished: 3, bytesDone: 1000 });
      expect(stats.counts).toMatchObject({ done: 1, failed: 2, pending: 1 });
      expect(stats.topErrors).toEqual([
        { errorClass: 'permanent:source', count: 1, example: 'HTTP 404' },
        { errorClass: 'permanent:source', count: 1, example: 'HTTP 410' },
      ]);
    });

    // A target may give one class to failures of different causes (every failed fetch, say): a
    // group's example must describe every item counted in it, so groups are class and message
    // shape — the message without what varies per item (its manifest line, URLs, long numbers).
    it('groups top errors by class and message shape, so no example speaks for items that failed otherwise', async () => {
      const store = await makeStore();
      const keys = ['r1', 'r2', 'r3', 'n1', 'n2', 'm1', 'm2'];
      await planned(store, keys.map((key) => item(key)));
      await store.claim('w', keys.length, 60_000);
      const fail = (key: string, errorClass: string, lastError: string) => store.transition(key, 'w', { state: 'failed', errorClass, lastError, finishedAt: Date.now() });
      await fail('r1', 'permanent:cincopa:fetch-failed', 'cincopa could not fetch the source: could not download the input URL: connect ECONNREFUSED 127.0.0.1:9');
      await fail('r2', 'permanent:cincopa:fetch-failed', 'cincopa could not fetch the source: could not download the input URL: connect ECONNREFUSED 127.0.0.1:9');
      await fail('r3', 'permanent:cincopa:fetch-failed', 'cincopa could not fetch the source: could not download the input URL: connect ECONNREFUSED 127.0.0.1:9');
      await fail('n1', 'permanent:cincopa:fetch-failed', 'cincopa could not fetch the source: source answered 404');
      await fail('n2', 'permanent:cincopa:fetch-failed', 'cincopa could not fetch the source: source answered 404');
      await fail('m1', 'rejected', 'in.csv:2: the source column "url" is empty');
      await fail('m2', 'rejected', 'in.csv:31: the source column "url" is empty');
      expect((await store.stats()).topErrors).toEqual([
        { errorClass: 'permanent:cincopa:fetch-failed', count: 3, example: expect.stringContaining('ECONNREFUSED') },
        { errorClass: 'permanent:cincopa:fetch-failed', count: 2, example: 'cincopa could not fetch the source: source answered 404' },
        { errorClass: 'rejected', count: 2, example: expect.stringMatching(/^in\.csv:\d+: the source column "url" is empty$/) },
      ]);
    });

    it('iterates in key order, filtered, across pages', async () => {
      const store = await makeStore();
      const keys = Array.from({ length: 2_345 }, (_, index) => `k${String(index).padStart(5, '0')}`);
      await planned(store, [...keys].reverse().map((key) => item(key)));
      const seen: string[] = [];
      for await (const record of store.iterate()) seen.push(record.key);
      expect(seen).toEqual(keys);
      await store.claim('w', keys.length, 60_000);
      await store.transition('k00000', 'w', { state: 'failed', finishedAt: Date.now() });
      const failed: string[] = [];
      for await (const record of store.iterate({ states: ['failed'] })) failed.push(record.key);
      expect(failed).toEqual(['k00000']);
    });

    it('retries failed items: back to pending with a fresh attempt budget', async () => {
      const store = await makeStore();
      await planned(store, [item('f')]);
      await store.claim('w', 1, 60_000);
      await store.transition('f', 'w', { state: 'failed', attempts: 8, lastError: 'gave up', startedAt: 1, finishedAt: Date.now() });
      expect(await store.retryFailed()).toBe(1);
      expect((await store.get('f'))!).toMatchObject({ state: 'pending', attempts: 0, startedAt: null, finishedAt: null });
      expect(await store.claim('w', 1, 60_000)).toHaveLength(1);
    });

    it('names a repeat that differs from the row that stands, within a batch and across batches, with that row\'s latest line', async () => {
      const store = await makeStore();
      const at = (line: number) => ({ origin: `m.csv:${line}` });
      const generation = await store.beginPlan();
      const first = await store.upsertPlanned(
        generation,
        encodePlanBatch([
          item('a', 'v1', at(2)),
          item('b', 'v1', at(3)),
          item('a', 'v1', at(4)), // an exact repeat: a duplicate, no conflict
          item('a', 'v2', at(5)), // other values: a conflict with line 2
          { key: 'b', source: 'javascript:x', origin: 'm.csv:6', reason: 'm.csv:6: not an http(s) URL' },
          { key: 'r', source: 'ftp://x', origin: 'm.csv:7', reason: 'm.csv:7: not an http(s) URL' },
          { key: 'r', source: 'ftp://x', origin: 'm.csv:8', reason: 'm.csv:8: not an http(s) URL' }, // the same rejection again
        ]),
        'reupload',
      );
      expect(first).toMatchObject({ added: 2, rejected: 1, duplicates: 4, conflicts: 2 });
      expect(first.duplicateSightings).toEqual([
        { key: 'a', origin: 'm.csv:4' },
        { key: 'a', origin: 'm.csv:5', conflict: { standing: 'm.csv:2', differs: ['title'] } },
        { key: 'b', origin: 'm.csv:6', conflict: { standing: 'm.csv:3', differs: ['source', 'rejected'] } },
        { key: 'r', origin: 'm.csv:8' },
      ]);
      // A later batch of the same plan compares with the same standing rows.
      const later = await store.upsertPlanned(generation, encodePlanBatch([item('b', 'v1', { ...at(9), source: 'https://other.example.com/b.mp4' }), item('r', 'v1', at(10))]), 'reupload');
      expect(later.duplicateSightings).toEqual([
        { key: 'b', origin: 'm.csv:9', conflict: { standing: 'm.csv:3', differs: ['source'] } },
        { key: 'r', origin: 'm.csv:10', conflict: { standing: 'm.csv:7', differs: ['rejected'] } },
      ]);
      expect((await store.get('a'))!).toMatchObject({ fields: { title: 'a v1' }, origin: 'm.csv:2' });

      // A re-plan of a file whose rows moved records where each row is now: a repeat names that line.
      const moved = await planned(store, [item('a', 'v1', at(12)), item('b', 'v1', at(13)), item('a', 'v3', at(14))]);
      expect(moved).toMatchObject({ unchanged: 2, conflicts: 1, duplicateSightings: [{ key: 'a', origin: 'm.csv:14', conflict: { standing: 'm.csv:12', differs: ['title'] } }] });
      expect((await store.get('b'))!.origin).toBe('m.csv:13');
    });

    it('withdraws items whose row a complete plan did not see, unless started, finished or held; a returning row is pending again', async () => {
      const store = await makeStore();
      const bulk = Array.from({ length: 150 }, (_, index) => item(`bulk${index}`));
      await planned(store, [item('stays'), item('gone'), item('failed'), item('finished'), item('flying'), item('held'), ...bulk]);
      for (const record of await store.claim('w', 200, 600_000)) {
        if (record.key === 'finished') await store.transition(record.key, 'w', { state: 'done', finishedAt: Date.now() });
        else if (record.key === 'flying') await store.transition(record.key, 'w', { state: 'uploading', remote: { offset: 10 } });
        else if (record.key === 'failed') await store.transition(record.key, 'w', { state: 'failed', lastError: 'HTTP 404', errorClass: 'permanent:x', finishedAt: Date.now() });
        else if (record.key !== 'held') await store.transition(record.key, 'w', { releaseLease: true });
      }
      // The next plan sees only 'stays' and the bulk rows (a whole chunk: the fast path).
      const generation = await store.beginPlan();
      await store.upsertPlanned(generation, encodePlanBatch([item('stays'), ...bulk]), 'reupload');
      expect(await store.withdrawUnseen(generation)).toBe(2);
      const states: Record<string, string> = {};
      for await (const record of store.iterate()) if (!record.key.startsWith('bulk')) states[record.key] = record.state;
      // 'held' is pending under a live worker's lease, 'flying' is uploading: both finish what they started.
      expect(states).toEqual({ stays: 'pending', gone: 'withdrawn', failed: 'withdrawn', finished: 'done', flying: 'uploading', held: 'pending' });
      expect((await store.stats()).counts.withdrawn).toBe(2);
      expect((await store.get('gone'))!.finishedAt).not.toBeNull();
      await store.releaseLeases('w');
      // The rows come back (one unchanged, one changed) among a bulk chunk of unchanged rows: pending again.
      const returned = await planned(store, [item('stays'), item('gone'), item('failed', 'v2'), ...bulk]);
      expect(returned).toMatchObject({ returned: 2, unchanged: 151, added: 0 });
      expect((await store.get('gone'))!).toMatchObject({ state: 'pending', finishedAt: null, revision: 0 });
      expect((await store.get('failed'))!).toMatchObject({ state: 'pending', fields: { title: 'failed v2' }, lastError: null });
    });

    it('expedites waiting items that no worker holds', async () => {
      const store = await makeStore();
      await planned(store, [item('waits'), item('held'), item('due')]);
      await store.claim('w', 3, 60_000);
      const later = Date.now() + 600_000;
      await store.transition('waits', 'w', { notBefore: later, releaseLease: true });
      await store.transition('held', 'w', { notBefore: later });
      await store.transition('due', 'w', { releaseLease: true });
      expect(await store.expedite(['waits', 'held', 'due', 'unknown'])).toBe(1);
      expect((await store.claim('x', 10, 60_000)).map((record) => record.key).sort()).toEqual(['due', 'waits']);
      expect(await store.expedite([])).toBe(0);
    });

    it('counts other items whose source ends in a file name, as a path or a URL with or without a query string', async () => {
      const store = await makeStore();
      await planned(store, [
        item('self', 'v1', { source: 'https://cdn.example.com/x/clip.mp4' }),
        item('url', 'v1', { source: 'https://cdn.example.com/y/clip.mp4' }),
        item('signed', 'v1', { source: 'https://cdn.example.com/z/clip.mp4?sig=abc' }),
        item('path', 'v1', { source: '/data/clip.mp4' }),
        item('longer', 'v1', { source: 'https://cdn.example.com/y/clip.mp4.bak' }),
        item('prefix', 'v1', { source: 'https://cdn.example.com/y/myclip.mp4' }),
        item('spaced', 'v1', { source: 'https://cdn.example.com/y/my%20clip%25.mp4' }),
        item('like', 'v1', { source: 'https://cdn.example.com/y/clipXmp4' }),
      ]);
      expect(await store.countWithSourceName('clip.mp4', 'self')).toBe(3);
      expect(await store.countWithSourceName('my clip%.mp4', 'self')).toBe(1);
      expect(await store.countWithSourceName('clip_mp4', 'self')).toBe(0);
    });

    it('amends an item no live worker holds, and refuses one a worker holds', async () => {
      const store = await makeStore();
      await planned(store, [item('held')]);
      expect(await store.claim('w', 1, 600_000)).toHaveLength(1);
      await planned(store, [item('expired')]);
      expect(await store.claim('gone', 1, 1)).toMatchObject([{ key: 'expired' }]);
      await planned(store, [item('free')]);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the 1 ms lease expires
      expect(await store.amend('free', { state: 'done', remote: { rid: 'R1' }, finishedAt: Date.now() })).toMatchObject({ state: 'done', remote: { rid: 'R1' }, leaseOwner: null });
      expect(await store.amend('expired', { attempts: 0, notBefore: null })).toMatchObject({ key: 'expired', leaseOwner: null, leaseUntil: null });
      await expect(store.amend('held', { state: 'pending' })).rejects.toBeInstanceOf(LeaseLostError);
      expect((await store.get('held'))!).toMatchObject({ state: 'pending', leaseOwner: 'w' });
      expect(await store.amend('unknown', { state: 'pending' })).toBeUndefined();
    });

    it('keeps a job definition, and lists a job while it has unfinished items', async () => {
      const store = await makeStore();
      expect(await store.jobDefinition()).toBeUndefined();
      const definition = { name: store.job, job: { source: { type: 'csv', path: 'items.csv' }, changePolicy: 'reupload' }, tags: ['a', 1, true, null] };
      await store.registerJob(definition);
      expect(await store.jobDefinition()).toEqual(definition);
      await store.registerJob({ ...definition, revised: true });
      expect(await store.jobDefinition()).toMatchObject({ revised: true });
      expect((await store.listUnfinishedJobs()).map((job) => job.name)).not.toContain(store.job); // no items yet

      await planned(store, [item('u1'), item('u2')]);
      const listed = (await store.listUnfinishedJobs()).find((job) => job.name === store.job);
      expect(listed).toMatchObject({ name: store.job, definition: { revised: true } });
      expect(listed!.createdAt).toBeGreaterThan(Date.now() - 600_000);
      await finish(store, 'u1');
      expect((await store.listUnfinishedJobs()).map((job) => job.name)).toContain(store.job);
      await finish(store, 'u2');
      expect((await store.listUnfinishedJobs()).map((job) => job.name)).not.toContain(store.job);
    });

    it('migrates idempotently; a second store on the same ledger (another process) sees the same items', async () => {
      const { location, job } = harness.fresh();
      const first = await open(location, { job });
      await first.migrate();
      await first.migrate();
      await planned(first, [item('kept')]);
      const second = await open(location, { job });
      await second.migrate();
      expect((await second.get('kept'))!.state).toBe('pending');
      expect(await second.claim('other', 5, 60_000)).toHaveLength(1);
      expect(await first.claim('w', 5, 60_000)).toHaveLength(0); // held by the other store's worker
    });

    it('opens only an existing ledger when asked not to create one', async () => {
      const { location, job } = harness.fresh();
      const missing = (async () => {
        const store = await open(location, { job, create: false });
        await store.migrate();
      })();
      await expect(missing).rejects.toBeInstanceOf(LedgerNotFoundError);
      await expect(missing).rejects.toThrow(`job ${job} has no ledger there yet`);
      const creator = await open(location, { job });
      await creator.migrate();
      await planned(creator, [item('there')]);
      const reader = await open(location, { job, create: false });
      await reader.migrate();
      expect((await reader.stats()).total).toBe(1);
    });

    it('refuses a ledger whose schema is newer than this code, naming both versions', async () => {
      const { location, job } = harness.fresh();
      const store = await open(location, { job });
      await store.migrate();
      const undo = await harness.pretendNewerSchema(location, 999);
      try {
        const newer = await open(location, { job });
        const refused = newer.migrate();
        await expect(refused).rejects.toBeInstanceOf(LedgerTooNewError);
        await expect(refused).rejects.toThrow(/schema is version 999, newer than this ferry knows \(version \d+\)/);
      } finally {
        await undo();
      }
    });

    it('declares its coordination policies: a run lock goes with reclaiming every lease at start', async () => {
      const store = await makeStore();
      expect(store.policies.reclaimLeasesAtStart).toBe(store.policies.runLockFile !== undefined);
      expect(['process', 'database']).toContain(store.policies.leaseClock);
    });
  });
}
