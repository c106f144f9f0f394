// The PostgreSQL ledger: the shared conformance suite, then what only a shared ledger has to
// get right — many jobs in one database, many workers (each with its own pool, as on separate
// machines) claiming one job at once, leases by the database's clock, and the claim index.

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { LedgerNotFoundError } from '../../src/ledger/errors.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { encodePlanBatch } from '../../src/ledger/planBatch.ts';
import { claimItems } from '../../src/ledger/postgres/sql/claim.ts';
import { LeaseLostError, type LedgerStore } from '../../src/ledger/types.ts';
import { createTestDatabase, describeWithPostgres } from '../helpers/postgres.ts';
import { describeLedgerConformance, item } from './conformance.ts';

let jobs = 0;
const newJob = (): string => `job-${++jobs}`;

describeWithPostgres('postgres ledger', (database) => {
  describeLedgerConformance('postgres', {
    fresh: () => ({ location: database().url, job: newJob() }),
    async pretendNewerSchema(_location, version) {
      await database().query(`INSERT INTO ferry.migrations (version, name) VALUES ($1, 'from the future')`, [version]);
      return async () => {
        await database().query('DELETE FROM ferry.migrations WHERE version = $1', [version]);
      };
    },
  });

  const opened: LedgerStore[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
  });
  /** A worker's store: its own pool, as a process on another machine would have. */
  async function worker(job: string): Promise<LedgerStore> {
    const store = await openLedger(database().url, { job, poolSize: 2 });
    opened.push(store);
    await store.migrate();
    return store;
  }
  async function plan(store: LedgerStore, keys: string[]): Promise<void> {
    await store.upsertPlanned(await store.beginPlan(), encodePlanBatch(keys.map((key) => item(key))), 'reupload');
  }

  it('is a shared ledger: no run lock, no reclaiming at start, leases by the database clock', async () => {
    const store = await worker(newJob());
    expect(store.policies).toEqual({ runLockFile: undefined, reclaimLeasesAtStart: false, leaseClock: 'database' });
  });

  it('holds many jobs in one database, each seeing only its own items', async () => {
    const [alpha, beta] = [await worker(newJob()), await worker(newJob())];
    await plan(alpha, ['same', 'only-alpha']);
    await plan(beta, ['same']);
    expect((await alpha.stats()).total).toBe(2);
    expect((await beta.stats()).total).toBe(1);
    const claimed = await beta.claim('b', 10, 60_000);
    expect(claimed.map((record) => record.key)).toEqual(['same']);
    await beta.transition('same', 'b', { state: 'failed', finishedAt: Date.now() });
    expect((await alpha.get('same'))!.state).toBe('pending');
    expect(await alpha.retryFailed()).toBe(0);
    expect(await beta.retryFailed()).toBe(1);
    const names = (await alpha.listUnfinishedJobs()).map((job) => job.name);
    expect(names).toEqual(expect.arrayContaining([alpha.job, beta.job]));
  });

  it('never gives one item to two workers claiming the same job at once', async () => {
    const job = newJob();
    const keys = Array.from({ length: 3_000 }, (_, index) => `c${index}`);
    await plan(await worker(job), keys);
    const workers = await Promise.all(Array.from({ length: 4 }, () => worker(job)));
    const holder = new Map<string, string>();
    const duplicates: string[] = [];
    await Promise.all(
      workers.map(async (store, index) => {
        for (;;) {
          const claimed = await store.claim(`w${index}`, 64, 60_000);
          if (claimed.length === 0) return;
          for (const record of claimed) {
            if (holder.has(record.key)) duplicates.push(record.key);
            holder.set(record.key, record.leaseOwner!);
          }
        }
      }),
    );
    expect(duplicates).toEqual([]);
    expect(holder.size).toBe(keys.length);
    expect(new Set(holder.values()).size).toBeGreaterThan(1); // they really ran side by side
  });

  it('lets another worker reclaim an expired lease (database clock); the old holder then loses it', async () => {
    const job = newJob();
    const [first, second] = [await worker(job), await worker(job)];
    await plan(first, ['x']);
    expect(await first.claim('first', 1, 300)).toHaveLength(1);
    expect(await second.claim('second', 1, 60_000)).toHaveLength(0);
    let stolen: unknown[] = [];
    for (let waited = 0; stolen.length === 0 && waited < 5_000; waited += 50) {
      await sleep(50);
      stolen = await second.claim('second', 1, 60_000);
    }
    expect(stolen).toHaveLength(1);
    await expect(first.transition('x', 'first', { state: 'submitted' })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await second.transition('x', 'second', { state: 'submitted' })).toMatchObject({ state: 'submitted', leaseOwner: 'second' });
  });

  it('keeps a lease alive with heartbeats', async () => {
    const job = newJob();
    const [holder, other] = [await worker(job), await worker(job)];
    await plan(holder, ['h']);
    expect(await holder.claim('holder', 1, 300)).toHaveLength(1);
    for (let beat = 0; beat < 6; beat++) {
      await sleep(120);
      expect(await holder.renewLeases('holder', 300)).toBe(1);
      expect(await other.claim('other', 1, 60_000)).toHaveLength(0);
    }
    expect(await holder.transition('h', 'holder', { state: 'done', finishedAt: Date.now() })).toMatchObject({ state: 'done', leaseOwner: null });
  });

  it('plans the same batch alike when two planners of one job run at once', async () => {
    const job = newJob();
    const [one, two] = [await worker(job), await worker(job)];
    const keys = Array.from({ length: 2_000 }, (_, index) => `p${index}`);
    const [a, b] = await Promise.all([plan(one, keys).then(() => 'ok'), plan(two, keys).then(() => 'ok')]);
    expect([a, b]).toEqual(['ok', 'ok']);
    expect((await one.stats()).total).toBe(keys.length);
  });

  it('a re-plan does not reset an item that a worker moves into flight while the plan decides', async () => {
    const job = newJob();
    const store = await worker(job);
    await plan(store, ['busy']);
    // A worker's transaction has the item in flight but has not committed yet when the plan reads it.
    const db = database();
    await db.query('BEGIN');
    await db.query(`UPDATE ferry.items SET state = 'submitted', remote = '{"statusId":"S1"}' WHERE key = 'busy' AND job_id = (SELECT id FROM ferry.jobs WHERE name = $1)`, [job]);
    const replan = store.upsertPlanned(await store.beginPlan(), encodePlanBatch([item('busy', 'v2')]), 'reupload');
    await sleep(300); // the plan has decided "reset" from what it could see, and waits for the worker's row
    await db.query('COMMIT');
    expect(await replan).toMatchObject({ changed: 1, added: 0 });
    expect((await store.get('busy'))!).toMatchObject({ state: 'submitted', remote: { statusId: 'S1' }, fields: { title: 'busy v1' } });
    // Once it has settled, the next plan sends the changed item round again.
    await db.query(`UPDATE ferry.items SET state = 'done' WHERE key = 'busy' AND job_id = (SELECT id FROM ferry.jobs WHERE name = $1)`, [job]);
    expect(await store.upsertPlanned(await store.beginPlan(), encodePlanBatch([item('busy', 'v2')]), 'reupload')).toMatchObject({ changed: 1 });
    expect((await store.get('busy'))!).toMatchObject({ state: 'pending', remote: {}, fields: { title: 'busy v2' }, revision: 1 });
  });

  it('a re-plan stamps an unchanged item that a worker updates while the plan writes it', async () => {
    const job = newJob();
    const store = await worker(job);
    await plan(store, ['calm']);
    const db = database();
    await db.query('BEGIN');
    await db.query(`UPDATE ferry.items SET state = 'submitted' WHERE key = 'calm' AND job_id = (SELECT id FROM ferry.jobs WHERE name = $1)`, [job]);
    const generation = await store.beginPlan();
    const replan = store.upsertPlanned(generation, encodePlanBatch([item('calm')]), 'reupload');
    await sleep(300); // the plan read the row before the worker's update and waits for it
    await db.query('COMMIT');
    expect(await replan).toMatchObject({ unchanged: 1, duplicates: 0 });
    // Stamped all the same: a second sighting in this plan is a duplicate.
    expect(await store.upsertPlanned(generation, encodePlanBatch([item('calm')]), 'reupload')).toMatchObject({ duplicates: 1, duplicateSightings: [{ key: 'calm' }] });
    expect((await store.get('calm'))!.state).toBe('submitted');
  });

  it('claims through the partial index on when items may next be claimed', async () => {
    const store = await worker(newJob());
    await plan(store, ['i1', 'i2']);
    const db = database();
    await db.query('SET enable_seqscan = off');
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${claimItems.text}`, [1, 'w', 64, 60_000, null]);
    await db.query('RESET enable_seqscan');
    expect(rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('items_claimable');
  });

  it('a read-side open of a database ferry never used installs nothing', async () => {
    const empty = await createTestDatabase();
    try {
      const store = await openLedger(empty.url, { job: 'nothing', create: false });
      await expect(store.migrate()).rejects.toBeInstanceOf(LedgerNotFoundError);
      await store.close();
      const { rows } = await empty.query(`SELECT to_regclass('ferry.items') AS items`);
      expect(rows[0]).toEqual({ items: null });
    } finally {
      await empty.drop();
    }
  });
});
