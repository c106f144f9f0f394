// What a target may share with the other workers of a fleet (many `ferry work` processes on one
// PostgreSQL ledger). A target asks for it through TargetDeps.fleet and falls back to its own,
// process-local ways when there is no fleet (a SQLite ledger, one machine). Keys are chosen by
// the target (e.g. its type and endpoint), so nothing outside targets/ names a platform.

import type { JsonValue } from '../ledger/types.ts';
import type { RequestBudget } from './requestBudget.ts';

/**
 * A small JSON document that many workers share and replace one at a time: the token pair of
 * an API whose refresh tokens are single use ("single refresher, many users").
 * Error contract: storage failures reject; whatever `update` throws is passed on and the stored
 * document is then left as it was.
 */
export interface SharedDocument {
  /** Where it is kept, fit for messages (never the document itself). */
  readonly where: string;
  /** The stored document, or undefined; no lock (a rotation may replace it a moment later). */
  read(): Promise<JsonValue | undefined>;
  /**
   * Calls `update` with the stored document while holding its exclusive lock across the fleet.
   * A returned document is stored durably (committed to disk) before `rotate` resolves with it;
   * undefined keeps the stored one, which `rotate` resolves with.
   */
  rotate(update: (stored: JsonValue | undefined) => Promise<JsonValue | undefined>): Promise<JsonValue | undefined>;
}

export interface Fleet {
  /**
   * The request budget of everything keyed `key` across the fleet: at most `requestsPerSecond`
   * requests per second for all workers together (0: no rate limit), and held while any worker
   * has paused the key after a 429 (`pause`).
   */
  requestBudget(key: string, requestsPerSecond: number): RequestBudget;
  /** Runs `work` while holding the fleet-wide lock named `key`: one holder at a time (lookup-or-create of a shared destination). */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** The shared document named `key`. */
  document(key: string): SharedDocument;
}
