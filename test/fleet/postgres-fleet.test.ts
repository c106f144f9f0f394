// What the workers of a fleet share through PostgreSQL, each "worker" here a fleet with its own
// connection pool, as separate processes would have: the request budget holds for all of them
// together, a 429 pause reaches them all, the Cintoo token pair is refreshed exactly once when
// all need it at once (against the Cintoo emulator's real single-use tokens), and an exclusive
// section runs one holder at a time.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet, type LedgerFleet } from '../../src/fleet/fleet.ts';
import { SecretRegistry } from '../../src/log/redact.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { CintooSession, tokenRefresher } from '../../src/targets/cintoo/auth.ts';
import { cintooHttp } from '../../src/targets/cintoo/client.ts';
import { SharedTokenVault } from '../../src/targets/cintoo/sharedTokenVault.ts';
import { UNLIMITED } from '../../src/targets/requestBudget.ts';
import { describeWithPostgres } from '../helpers/postgres.ts';
import { peakInWindow } from '../helpers/rate.ts';

describeWithPostgres('the fleet of a PostgreSQL ledger', (database) => {
  const fleets: LedgerFleet[] = [];
  const workers = async (n: number): Promise<LedgerFleet[]> => {
    const opened = await Promise.all(Array.from({ length: n }, async () => (await openFleet(database().url))!));
    fleets.push(...opened);
    return opened;
  };
  beforeAll(async () => {
    const [first] = await workers(1);
    await first!.migrate();
  });
  afterAll(async () => {
    await Promise.all(fleets.map((fleet) => fleet.close()));
  });

  it('four workers, eight callers each, never exceed the shared requests per second together', async () => {
    const rate = 40;
    const budgets = (await workers(4)).map((fleet) => fleet.requestBudget('budget-test', rate));
    const times: number[] = [];
    const until = performance.now() + 2_000;
    await Promise.all(
      budgets.flatMap((budget) =>
        Array.from({ length: 8 }, async () => {
          while (performance.now() < until) {
            await budget.take();
            times.push(performance.now());
          }
        }),
      ),
    );
    times.sort((a, b) => a - b);
    const peak = peakInWindow(times, 1_000);
    // Slots are spaced so that a window holds at most `rate` even when each request leaves up to
    // 20 ms after its slot (timers, event loop, clock mapping): no allowance needed here.
    expect(peak).toBeLessThanOrEqual(rate);
    // Not throttled to a trickle either: most of the budget is used.
    expect(peak).toBeGreaterThanOrEqual(rate * 0.6);
  });

  it('a 429 pause of one worker holds every worker, with and without a rate limit', async () => {
    const [pauser, limited, unlimited] = await workers(3);
    pauser!.requestBudget('pause-test', 100);
    const budgets = [limited!.requestBudget('pause-test', 100), unlimited!.requestBudget('pause-test', 0)];
    await Promise.all(budgets.map((budget) => budget.take()));
    const pausedAt = performance.now();
    await pauser!.pauseAll(600);
    // Each worker keeps asking; record when its requests may go.
    const sent = await Promise.all(
      budgets.map(async (budget) => {
        const times: number[] = [];
        while (performance.now() < pausedAt + 900) {
          await budget.take();
          times.push(performance.now() - pausedAt);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return times;
      }),
    );
    // How soon each learns of the pause: the limited worker at its next reservation (slots
    // reserved before it, at most ~50 ms of them, are dropped when it learns), the unlimited one
    // within its 250 ms check. From then until the pause ends nothing goes out; after, it resumes.
    const learns = [100, 300];
    sent.forEach((times, index) => {
      expect(times.filter((at) => at > learns[index]! && at < 590), `worker ${index}`).toEqual([]);
      expect(times.some((at) => at >= 600)).toBe(true);
    });
  });

  it('an exclusive section has one holder at a time across workers, so a lookup-or-create creates once', async () => {
    const fleetsNow = await workers(4);
    let inside = 0;
    let most = 0;
    const created: string[] = [];
    await Promise.all(
      fleetsNow.map((fleet, index) =>
        fleet.exclusive('gallery ferry test', async () => {
          inside++;
          most = Math.max(most, inside);
          if (created.length === 0) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            created.push(`by worker ${index}`);
          }
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(created).toHaveLength(1);
  });

  it('sections queue in the process instead of starving its pool: eight at once, each taking from a rate budget inside', async () => {
    const [fleet] = await workers(1);
    const budget = fleet!.requestBudget('sections-test', 200);
    const done = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        fleet!.exclusive(`zone ${index}`, async () => {
          await budget.take();
          await budget.take();
          return index;
        }),
      ),
    );
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a rotated document whose first commit fails is stored again, not lost (a spent single-use token would strand the fleet)', async () => {
    const [fleet] = await workers(1);
    // The first UPDATE of the documents table fails, as a dropped connection at COMMIT would.
    await database().query(`CREATE SEQUENCE IF NOT EXISTS fail_once;
      CREATE OR REPLACE FUNCTION fail_first_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF nextval('fail_once') = 1 THEN RAISE EXCEPTION 'injected commit failure'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_first_update BEFORE UPDATE ON ferry.shared_documents FOR EACH ROW EXECUTE FUNCTION fail_first_update();`);
    try {
      const document = fleet!.document('rotate-store-again');
      await document.rotate(async () => ({ generation: 1 }));
      const rotated = await document.rotate(async () => ({ generation: 2 }));
      expect(rotated).toEqual({ generation: 2 });
      expect(await document.read()).toEqual({ generation: 2 });
    } finally {
      await database().query(`DROP TRIGGER fail_first_update ON ferry.shared_documents; DELETE FROM ferry.shared_documents WHERE key = 'rotate-store-again'`);
    }
  });

  describe('Cintoo tokens in the store', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ services: ['cintoo'] });
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    it('four workers needing a token at once make exactly one refresh, durable in the store, and share its pair', async () => {
      const cintoo = sandbox.cintoo!;
      const secrets = new SecretRegistry();
      const sessions = (await workers(4)).map(
        (fleet) =>
          new CintooSession({
            vault: new SharedTokenVault(fleet.document(`cintoo tokens ${cintoo.url}`)),
            first: { value: cintoo.refreshToken, source: 'the test' },
            refresh: tokenRefresher(cintooHttp(10_000), cintoo.url, UNLIMITED, (text) => text),
            secrets,
            log: pino({ level: 'silent' }),
          }),
      );
      sandbox.journal.clear();
      const tokens = await Promise.all(sessions.map((session) => session.accessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(sandbox.journal.entries({ route: 'POST /oauth/token' }).map((entry) => entry.status)).toEqual([200]);
      const { rows } = await database().query<{ document: { accessToken: string } }>('SELECT document FROM ferry.shared_documents');
      expect(rows.map((row) => row.document.accessToken)).toEqual([tokens[0]]);
    });
  });
});
