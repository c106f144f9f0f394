// The index that claiming walks: unfinished items by when they may run next. A first plan into
// an empty ledger drops it and builds it once at the end (a sort), which costs a third of what
// keeping it up to date row by row does; every plan starts by making sure it exists, so a
// first plan that crashed midway leaves nothing missing for long.

export const CREATE_CLAIM_INDEX = `CREATE INDEX IF NOT EXISTS items_claimable ON items (not_before) WHERE state NOT IN ('done', 'skipped', 'failed')`;
export const DROP_CLAIM_INDEX = 'DROP INDEX IF EXISTS items_claimable';
