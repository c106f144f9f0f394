// Advisory lock keys of the PostgreSQL ledger, in the two-integer form: the first names ferry's
// space (so ferry never collides with another application's single-key locks), the second the
// purpose. Transaction-scoped (pg_advisory_xact_lock): a crashed holder can never wedge them.

/** 'ferr' in ASCII. */
export const LOCK_SPACE = 0x66657272;

/** Schema migrations: one migrator at a time across every worker. */
export const MIGRATION_LOCK = 1;

/** Planning a job's batch: the key is the job id, in a space of its own. */
export const PLAN_LOCK_SPACE = 0x66657273;

/** Fleet-wide exclusive sections (fleet/postgres/exclusive.ts): the key is hashtext(<name>), in a space of its own. */
export const FLEET_LOCK_SPACE = 0x66657274;
