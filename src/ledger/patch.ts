// A transition's patch as column assignments, shared by both ledgers: which columns a patch
// changes, how each value is stored, and whether the lease goes with it.

import { isTerminal, type ItemPatch } from './types.ts';

export type SqlValue = string | number | null;

type Encoders = { [K in Exclude<keyof ItemPatch, 'releaseLease'>]-?: [column: string, encode: (value: NonNullable<ItemPatch[K]> | null) => SqlValue] };

const COLUMNS: Encoders = {
  state: ['state', (value) => value],
  remote: ['remote', (value) => JSON.stringify(value ?? {})],
  attempts: ['attempts', (value) => value],
  // Never NULL in the ledger: 0 means "now", so claiming stays an index range scan.
  notBefore: ['not_before', (value) => value ?? 0],
  lastError: ['last_error', (value) => value],
  errorClass: ['error_class', (value) => value],
  bytes: ['bytes', (value) => value],
  startedAt: ['started_at', (value) => value],
  finishedAt: ['finished_at', (value) => value],
};

export interface PatchAssignments {
  /** Columns to set, in the order of `values`. */
  columns: string[];
  values: SqlValue[];
  /** The transition gives the lease back: asked for, or a terminal state. */
  releasesLease: boolean;
}

export function patchAssignments(patch: ItemPatch): PatchAssignments {
  const columns: string[] = [];
  const values: SqlValue[] = [];
  for (const [name, value] of Object.entries(patch) as [keyof ItemPatch, unknown][]) {
    if (value === undefined || name === 'releaseLease') continue;
    const [column, encode] = COLUMNS[name] as [string, (value: unknown) => SqlValue];
    columns.push(column);
    values.push(encode(value));
  }
  return { columns, values, releasesLease: patch.releaseLease === true || (patch.state !== undefined && isTerminal(patch.state)) };
}
