// The ledger's schema history: numbered migrations, applied in order by migrate.ts. A migration
// that has shipped is never edited; a change is a new entry. Kept as code rather than .sql
// files so the compiled build (dist/) needs nothing copied beside it.

import { sqlStates } from '../sqlStates.ts';
import { TERMINAL_STATES } from '../types.ts';
import type { Migration } from '../migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
-- One row per manifest item of one job. remote and fields are JSON text.
-- A rowid table with a unique key index rather than WITHOUT ROWID on the key: planning appends
-- rows instead of splitting wide rows across the key's B-tree (about 15% faster at 1M rows).
CREATE TABLE items (
  id               INTEGER PRIMARY KEY,
  key              TEXT NOT NULL UNIQUE,
  source           TEXT NOT NULL,
  fields           TEXT NOT NULL DEFAULT '{}',
  size             INTEGER,
  mtime_ms         INTEGER,
  content_hash     TEXT NOT NULL,
  origin           TEXT NOT NULL,
  state            TEXT NOT NULL,
  remote           TEXT NOT NULL DEFAULT '{}',
  attempts         INTEGER NOT NULL DEFAULT 0,
  -- Epoch ms before which the item must not run; 0 = now. Never NULL, so claiming is an index range scan.
  not_before       INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  error_class      TEXT,
  lease_owner      TEXT,
  lease_until      INTEGER,
  bytes            INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  -- The plan generation that last saw this key: a second sighting in the same generation is a
  -- duplicate key in the manifest, detected here so planning needs no in-memory key set.
  plan_generation  INTEGER NOT NULL DEFAULT 0,
  -- Bumped each time a changed manifest entry sends a finished item round again, so targets
  -- can tell the new upload from the old one at the platform.
  revision         INTEGER NOT NULL DEFAULT 0
);

-- Claiming: unfinished items by when they may run next.
CREATE INDEX items_claimable ON items (not_before) WHERE state NOT IN ('done', 'skipped', 'failed');
-- status: recent finishes and top error classes. Counts per state are one scan of the table
-- (tens of ms at 1M rows); a full index on state would cost every planned row an extra insert.
CREATE INDEX items_failed ON items (error_class) WHERE state = 'failed';
CREATE INDEX items_finished ON items (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX items_lease_owner ON items (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE plan_runs (
  generation  INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at  INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'content without hash',
    sql: `
-- Change detection compares an item's content (source, fields, size, mtime_ms) with the
-- manifest's directly, so the separate digest is gone: one less value to compute per manifest
-- row, and a ledger can never disagree with itself about what an item holds.
-- Version 1 marked a rejected row by blanking its hash and kept the item's last good source and
-- fields; blank those instead, or the corrected row would look unchanged and stay rejected.
UPDATE items SET source = '', fields = '{}' WHERE error_class = 'rejected';
ALTER TABLE items DROP COLUMN content_hash;
`,
  },
  {
    version: 3,
    name: 'claim index from the state constant; jobs',
    sql: `
-- The claim index's predicate, now derived from TERMINAL_STATES like the claim query's own
-- WHERE clause: SQLite uses a partial index only when the query states its predicate the same
-- way. A change to TERMINAL_STATES needs a new migration like this one, and its version bump
-- keeps an older ferry (with the older list) off the ledger.
DROP INDEX items_claimable;
CREATE INDEX items_claimable ON items (not_before) WHERE state NOT IN (${sqlStates(TERMINAL_STATES)});

-- The job this file belongs to, and its definition (what a worker needs to serve it).
CREATE TABLE jobs (
  name        TEXT PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  definition  TEXT
);
`,
  },
];
