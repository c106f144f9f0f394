// A request budget shared by every worker of a fleet: one row per key in the ledger holds the
// next free request slot of the whole fleet and the end of a fleet-wide 429 pause, both on the
// database's clock. A worker reserves a few consecutive slots per round trip (about 50 ms worth),
// so the database sees some 20 reservations a second whatever the rate, and the slots of all
// workers never overlap: the fleet sends at most `requestsPerSecond`, not N times it.
//
// A slot is used at its time or a hair after it (STALE_SLOT_MS), never later: a slot used late
// would send its request together with the next slot's owner. Slots a worker does not use are
// lost; that only ever lowers the rate.

import type pg from 'pg';
import { sleep } from '../../pipeline/backoff.ts';
import type { RequestBudget } from '../../targets/requestBudget.ts';

/** The database's clock in epoch ms, fractional, as of the statement. */
const DB_NOW = '(extract(epoch from clock_timestamp()) * 1000)::double precision';

/** $1 key, $2 slots, $3 interval ms. Slots start no earlier than now and the end of a pause. */
const RESERVE = {
  name: 'ferry_fleet_reserve',
  text: `WITH clock AS (SELECT ${DB_NOW} AS now)
    INSERT INTO ferry.rate_budgets AS b (key, next_slot_at, paused_until)
    SELECT $1, clock.now + $2::integer * $3::double precision, 0 FROM clock
    ON CONFLICT (key) DO UPDATE SET next_slot_at = GREATEST(b.next_slot_at, (SELECT now FROM clock), b.paused_until) + $2::integer * $3::double precision
    RETURNING b.next_slot_at - $2::integer * $3::double precision AS first, (SELECT now FROM clock) AS now, b.paused_until`,
};

/** $1 key, $2 pause ms. A later pause never shortens an earlier one. */
const PAUSE = {
  name: 'ferry_fleet_pause',
  text: `WITH clock AS (SELECT ${DB_NOW} AS now)
    INSERT INTO ferry.rate_budgets AS b (key, next_slot_at, paused_until)
    SELECT $1, 0, clock.now + $2::double precision FROM clock
    ON CONFLICT (key) DO UPDATE SET paused_until = GREATEST(b.paused_until, (SELECT now FROM clock) + $2::double precision)
    RETURNING b.paused_until, (SELECT now FROM clock) AS now`,
};

/** $1 key */
const PAUSED = {
  name: 'ferry_fleet_paused',
  text: `SELECT COALESCE((SELECT paused_until FROM ferry.rate_budgets WHERE key = $1), 0) AS paused_until, ${DB_NOW} AS now`,
};

/** A reserved slot used later than this after its time is dropped instead. */
const STALE_SLOT_MS = 5;
/** Without a rate limit only pauses are shared: how old the known pause may be. */
const PAUSE_CHECK_MS = 250;

export class PostgresRequestBudget implements RequestBudget {
  readonly key: string;
  readonly #pool: pg.Pool;
  readonly #intervalMs: number;
  readonly #batch: number;
  /** Reserved slots, in this process's performance.now() time. */
  #slots: number[] = [];
  #pausedUntil = 0;
  #checkedAt = -Infinity;
  #inFlight: Promise<void> | undefined;

  constructor(pool: pg.Pool, key: string, requestsPerSecond: number) {
    this.#pool = pool;
    this.key = key;
    this.#intervalMs = requestsPerSecond > 0 ? 1000 / requestsPerSecond : 0;
    this.#batch = Math.min(20, Math.max(1, Math.ceil(requestsPerSecond / 20)));
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      if (this.#intervalMs === 0) {
        if (now - this.#checkedAt > PAUSE_CHECK_MS) await this.#once(() => this.#checkPause());
        if (this.#pausedUntil <= performance.now()) return;
        await sleep(this.#pausedUntil - performance.now(), signal);
        continue;
      }
      while (this.#slots.length > 0 && this.#slots[0]! < now - STALE_SLOT_MS) this.#slots.shift();
      const at = this.#slots.shift();
      if (at !== undefined) {
        if (at > now) await sleep(at - now, signal);
        return;
      }
      await this.#once(() => this.#reserve());
    }
  }

  /** Pause the key fleet-wide for `ms` from now (database time); slots reserved before are dropped. */
  async pause(ms: number): Promise<void> {
    const sent = performance.now();
    const { rows } = await this.#pool.query<{ paused_until: number; now: number }>({ ...PAUSE, values: [this.key, Math.ceil(ms)] });
    this.#learnPause(rows[0]!.paused_until, rows[0]!.now, sent);
  }

  /** One round trip at a time: concurrent takers share it. */
  #once(work: () => Promise<void>): Promise<void> {
    this.#inFlight ??= work().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #reserve(): Promise<void> {
    const sent = performance.now();
    const { rows } = await this.#pool.query<{ first: number; now: number; paused_until: number }>({ ...RESERVE, values: [this.key, this.#batch, this.#intervalMs] });
    const row = rows[0]!;
    const local = localClock(row.now, sent);
    this.#learnPause(row.paused_until, row.now, sent);
    for (let i = 0; i < this.#batch; i++) this.#slots.push(local(row.first + i * this.#intervalMs));
  }

  async #checkPause(): Promise<void> {
    const sent = performance.now();
    const { rows } = await this.#pool.query<{ paused_until: number; now: number }>({ ...PAUSED, values: [this.key] });
    this.#learnPause(rows[0]!.paused_until, rows[0]!.now, sent);
    this.#checkedAt = performance.now();
  }

  #learnPause(pausedUntilDb: number, dbNow: number, sent: number): void {
    const until = localClock(dbNow, sent)(pausedUntilDb);
    if (until > this.#pausedUntil) {
      this.#pausedUntil = until;
      this.#slots = this.#slots.filter((slot) => slot >= until);
    }
  }
}

/**
 * Database time → this process's performance.now(): the database read its clock somewhere
 * between sending and receiving; the middle is the best guess (off by at most half a round trip).
 */
function localClock(dbNow: number, sent: number): (dbTime: number) => number {
  const mid = (sent + performance.now()) / 2;
  return (dbTime) => dbTime - dbNow + mid;
}
