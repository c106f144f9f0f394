// The planner's statistics on the items table. A first plan of a million rows, or a new big
// job in a shared database, leaves them describing a table that no longer exists until
// autovacuum gets round to it (a minute or more), and statements costed on them can choose
// badly. A plan therefore starts from fresh ones when a tenth of the table changed since.

import { statement } from './statement.ts';

export const statisticsStale = statement(
  'statistics_stale',
  `SELECT COALESCE(bool_or(n_mod_since_analyze > GREATEST(1000, n_live_tup / 10)), true) AS stale
   FROM pg_stat_user_tables WHERE relid = 'ferry.items'::regclass`,
);

/** Samples the table (a few hundred pages), however big it is; reads and writes go on meanwhile. */
export const analyzeItems = 'ANALYZE ferry.items';
