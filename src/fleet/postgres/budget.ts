// A request budget shared by every worker of a fleet: one row per key in the ledger holds the
// next free request slot of the whole fleet and the end of a fleet-wide 429 pause, both on the
// database's clock. A worker reserves a few consecutive slots per round trip (about 50 ms worth),
// so the database sees some 20 reservations a second whatever the rate, and the slots of all
// workers never overlap: the fleet sends at most `requestsPerSecond`, not N times it.
//
// A slot is used at its time or a hair after it (STALE_SLOT_MS), never later: a slot used late
// would send its request together with the next slot's owner. Slots a worker does not use are
// lost; that only ever lowers the rate. A request still leaves a little after its slot (timer
// and event-loop delays, the error of mapping the database's clock onto this process's), so
// slots are spaced for a window JITTER_GUARD_MS longer than a second: a 1-s window at the
// platform then sees at most `requestsPerSecond` requests as long as each leaves within that
// guard of its slot, at the price of ~2% of the rate.

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
/** How late after its slot a request may leave without breaking the limit (see above). */
const JITTER_GUARD_MS = 20;
/** Clock samples older than this no longer count as the best one (clocks drift). */
const CLOCK_SAMPLE_TTL_MS = 10_000;
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
  /** Database time minus performance.now(), from the quickest recent round trip (the tightest bound). */
  #clock = { offset: 0, rtt: Infinity, at: -Infinity };
  #calibrated: Promise<void> | undefined;

  constructor(pool: pg.Pool, key: string, requestsPerSecond: number) {
    this.#pool = pool;
    this.key = key;
    this.#intervalMs = requestsPerSecond > 0 ? (1000 + JITTER_GUARD_MS) / requestsPerSecond : 0;
    this.#batch = Math.min(20, Math.max(1, Math.ceil(requestsPerSecond / 20)));
  }

  async take(signal?: AbortSignal): Promise<void> {
    // A failed calibration (the database unreachable for a moment) is not kept: the next take tries again.
    await (this.#calibrated ??= this.#calibrate().catch((error: unknown) => {
      this.#calibrated = undefined;
      throw error;
    }));
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
        // A timer can fire late (a busy event loop, a descheduled process), and timers that
        // were due apart then fire together: a slot overshot like that is dropped, not used.
        if (performance.now() - at <= STALE_SLOT_MS) return;
        continue;
      }
      await this.#once(() => this.#reserve());
    }
  }

  /** Pause the key fleet-wide for `ms` from now (database time); slots reserved before are dropped. */
  async pause(ms: number): Promise<void> {
    const { rows, sent } = await this.#timed<{ paused_until: number; now: number }>(PAUSE, [this.key, Math.ceil(ms)]);
    this.#learnPause(rows[0]!.paused_until, rows[0]!.now, sent);
  }

  /**
   * A query whose send time is taken once a connection is in hand: opening one (or waiting for
   * one) must not count as round trip, or the clock mapping would be off by half of it.
   */
  async #timed<Row extends pg.QueryResultRow>(query: { name: string; text: string }, values: unknown[]): Promise<{ rows: Row[]; sent: number }> {
    const client = await this.#pool.connect();
    try {
      const sent = performance.now();
      const { rows } = await client.query<Row>({ ...query, values });
      return { rows, sent };
    } finally {
      client.release();
    }
  }

  /** One round trip at a time: concurrent takers share it. */
  #once(work: () => Promise<void>): Promise<void> {
    this.#inFlight ??= work().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #reserve(): Promise<void> {
    const { rows, sent } = await this.#timed<{ first: number; now: number; paused_until: number }>(RESERVE, [this.key, this.#batch, this.#intervalMs]);
    const row = rows[0]!;
    const local = this.#localClock(row.now, sent);
    this.#learnPause(row.paused_until, row.now, sent);
    for (let i = 0; i < this.#batch; i++) this.#slots.push(local(row.first + i * this.#intervalMs));
  }

  /**
   * A few quick round trips before the first slot: the first query on a connection is slow
   * (the statement is parsed and planned), and a clock mapped from it could put this worker's
   * slots a few milliseconds off the others'.
   */
  async #calibrate(): Promise<void> {
    for (let i = 0; i < 3; i++) await this.#checkPause();
  }

  async #checkPause(): Promise<void> {
    const { rows, sent } = await this.#timed<{ paused_until: number; now: number }>(PAUSED, [this.key]);
    this.#learnPause(rows[0]!.paused_until, rows[0]!.now, sent);
    this.#checkedAt = performance.now();
  }

  /**
   * Database time → this process's performance.now(). The database read its clock somewhere
   * between sending and receiving, so one sample is off by up to half its round trip; the
   * quickest recent sample is kept, which keeps every worker's mapping within a millisecond or
   * so of the truth even when the database is busy.
   */
  #localClock(dbNow: number, sent: number): (dbTime: number) => number {
    const received = performance.now();
    const rtt = received - sent;
    if (rtt <= this.#clock.rtt || received - this.#clock.at > CLOCK_SAMPLE_TTL_MS) this.#clock = { offset: dbNow - (sent + received) / 2, rtt, at: received };
    const { offset } = this.#clock;
    return (dbTime) => dbTime - offset;
  }

  #learnPause(pausedUntilDb: number, dbNow: number, sent: number): void {
    const until = this.#localClock(dbNow, sent)(pausedUntilDb);
    if (until > this.#pausedUntil) {
      this.#pausedUntil = until;
      this.#slots = this.#slots.filter((slot) => slot >= until);
    }
  }
}


