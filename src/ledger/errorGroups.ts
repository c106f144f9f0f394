// `status`'s top errors, the same for every ledger implementation. The error class alone is too
// coarse to label a group: a target may give one class to failures of different causes (every
// failed fetch, whether the source was missing or refused the connection), and a group shown with
// one member's message would then speak for items that failed otherwise. So a group is a class and
// a message *shape*: the message without what varies from item to item.

import type { LedgerStats } from './types.ts';

/** Failed items with one error class and message; `example` is one of their messages as stored. */
export interface ErrorTally {
  errorClass: string | null;
  message: string | null;
  count: number;
  example?: string | null;
}

/** How many distinct (class, message) pairs a ledger hands over for grouping, most frequent first. */
export const ERROR_TALLY_LIMIT = 1_000;

/** The top `limit` groups of failed items' errors, largest first (ties in a stable order). */
export function topErrorGroups(tallies: Iterable<ErrorTally>, limit = 5): LedgerStats['topErrors'] {
  const groups = new Map<string, { errorClass: string; count: number; example: string }>();
  for (const tally of tallies) {
    const errorClass = tally.errorClass ?? 'unknown';
    const example = tally.example ?? tally.message ?? '';
    const id = `${errorClass}\0${messageShape(tally.message ?? '')}`;
    const group = groups.get(id);
    if (group) group.count += tally.count;
    else groups.set(id, { errorClass, count: tally.count, example });
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || a.errorClass.localeCompare(b.errorClass) || a.example.localeCompare(b.example))
    .slice(0, limit);
}

/** A message with its per-item parts masked: the `file:line:` it starts with, URLs, long numbers. */
export function messageShape(message: string): string {
  return message
    .replace(/^\S+:\d+: /, '<row>: ')
    .replace(/\bhttps?:\/\/\S+/gi, '<url>')
    .replace(/\d{4,}/g, '#');
}
