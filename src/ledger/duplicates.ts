// A key seen again in one plan: the first sighting stands and the repeat is processed no
// further, but a repeat whose content differs from the standing row would be lost silently, so
// it is a conflict, named with what differs. Shared by both ledgers, so they name it alike.

import { REJECTED } from './planRules.ts';
import type { DuplicateConflict } from './types.ts';

/** The ledger's row for the key as the first sighting left it. */
export interface StandingRow {
  source: string;
  fields: string;
  size: number | null;
  mtime_ms: number | null;
  origin: string;
  error_class: string | null;
}

/** What the repeat says; a rejected row has its source as written and no fields. */
export interface RepeatContent {
  source: string;
  fields: string;
  size: number | null;
  mtimeMs: number | null;
  rejected: boolean;
}

/** How a repeat differs from the row that stands, or undefined when it says the same. */
export function repeatConflict(standing: StandingRow, repeat: RepeatContent): DuplicateConflict | undefined {
  if (repeat.rejected) {
    // A rejected repeat of a row that stands differs from it by definition, unless that row is the same rejection.
    if (standing.error_class === REJECTED && standing.source === repeat.source) return undefined;
    return { standing: standing.origin, differs: standing.source === repeat.source ? ['rejected'] : ['source', 'rejected'] };
  }
  if (standing.error_class === REJECTED) return { standing: standing.origin, differs: ['rejected'] };
  const differs: string[] = [];
  if (standing.source !== repeat.source) differs.push('source');
  if (standing.fields !== repeat.fields) {
    const before = JSON.parse(standing.fields) as Record<string, string>;
    const after = JSON.parse(repeat.fields) as Record<string, string>;
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) if (before[name] !== after[name]) differs.push(name);
  }
  if (standing.size !== repeat.size) differs.push('size');
  if (standing.mtime_ms !== repeat.mtimeMs) differs.push('mtime');
  return differs.length > 0 ? { standing: standing.origin, differs } : undefined;
}
