// The PostgreSQL ledger's schema history: numbered migrations applied in order by migrate.ts,
// under an advisory lock. A migration that has shipped is never edited; a change is a new
// entry. Code rather than .sql files, so the compiled build needs nothing copied beside it.
//
// Everything lives in the schema `ferry`, so a database shared with other applications keeps
// ferry's tables apart. One database holds many jobs: every table is keyed by job.

import { CLAIMABLE_AT } from './sql/clock.ts';
import { sqlState, sqlStates } from '../sqlStates.ts';
import { ItemState, TERMINAL_STATES } from '../types.ts';
import type { Migration } from '../migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
-- A job: its items are keyed by its id. definition is what a worker needs to serve the job
-- from another machine (the validated job file), registered by the run that plans it.
CREATE TABLE ferry.jobs (
  id                     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                   text NOT NULL UNIQUE,
  created_at             bigint NOT NULL,
  definition             jsonb,
  definition_updated_at  bigint
);

-- One row per manifest item of a job; times are epoch ms, like the SQLite ledger's.
-- No foreign key to jobs: its check would cost every planned row a lookup, and only a store
-- that resolved its job id writes items.
CREATE TABLE ferry.items (
  job_id           integer NOT NULL,
  -- Byte order, as in SQLite: reports list keys alike on both ledgers, and comparisons skip the locale.
  key              text COLLATE "C" NOT NULL,
  source           text NOT NULL,
  -- The manifest's JSON text as it came: change detection compares it exactly.
  fields           text NOT NULL DEFAULT '{}',
  size             bigint,
  mtime_ms         bigint,
  origin           text NOT NULL,
  state            text NOT NULL,
  -- jsonb so that an operator can query remote ids (remote->>'rid').
  remote           jsonb NOT NULL DEFAULT '{}',
  revision         integer NOT NULL DEFAULT 0,
  attempts         integer NOT NULL DEFAULT 0,
  -- 0 = now; never NULL, so it indexes.
  not_before       bigint NOT NULL DEFAULT 0,
  last_error       text,
  error_class      text,
  lease_owner      text,
  lease_until      bigint,
  bytes            bigint,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL,
  started_at       bigint,
  finished_at      bigint,
  -- The plan generation that last saw this key: a second sighting in the same generation is a duplicate.
  plan_generation  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, key)
);

-- Claiming: a job's unfinished items by when they may next be claimed. Items leased to live
-- workers sort after now, so a claim reads only claimable entries at the front of the range,
-- however many items the job holds or other workers have in flight.
CREATE INDEX items_claimable ON ferry.items (job_id, (${CLAIMABLE_AT})) WHERE state NOT IN (${sqlStates(TERMINAL_STATES)});
-- status: top error classes and recent finishes.
CREATE INDEX items_failed ON ferry.items (job_id, error_class) WHERE state = ${sqlState(ItemState.failed)};
CREATE INDEX items_finished ON ferry.items (job_id, finished_at) WHERE finished_at IS NOT NULL;
-- Heartbeats and releases by worker.
CREATE INDEX items_lease_owner ON ferry.items (lease_owner) WHERE lease_owner IS NOT NULL;

-- Plan generations, unique across jobs (a generation is only ever compared for equality).
CREATE TABLE ferry.plan_runs (
  generation  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id      integer NOT NULL REFERENCES ferry.jobs (id) ON DELETE CASCADE,
  started_at  bigint NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'fleet',
    sql: `
-- What the workers of a fleet share beyond items (src/fleet/postgres/). Times are the
-- database's clock in epoch ms, never a worker's.
-- A request budget per key (a platform endpoint): the next free request slot of the whole
-- fleet (fractional ms: 1000/rate need not be whole) and the end of a fleet-wide 429 pause.
CREATE TABLE ferry.rate_budgets (
  key           text PRIMARY KEY,
  next_slot_at  double precision NOT NULL DEFAULT 0,
  paused_until  double precision NOT NULL DEFAULT 0
);

-- Small documents rotated under a row lock by one worker at a time (a platform's token pair).
CREATE TABLE ferry.shared_documents (
  key         text PRIMARY KEY,
  document    jsonb,
  updated_at  bigint NOT NULL
);
`,
  },
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
