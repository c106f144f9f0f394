// The Cintoo token pair kept in a fleet's shared document (the PostgreSQL ledger) instead of a
// file: every worker of the fleet rotates the one chain, one at a time under the document's row
// lock, and the new pair is committed durably before anyone uses it. The pair is stored as the
// file vault stores it; the same checks apply when it is read back.

import { UsageError } from '../../core/errors.ts';
import type { JsonValue } from '../../ledger/types.ts';
import type { SharedDocument } from '../fleet.ts';
import { parseStoredTokens, type StoredTokens, type TokenVault } from './tokenVault.ts';

export class SharedTokenVault implements TokenVault {
  readonly where: string;
  readonly #document: SharedDocument;

  constructor(document: SharedDocument) {
    this.#document = document;
    this.where = document.where;
  }

  async read(): Promise<StoredTokens | undefined> {
    return this.#parse(await this.#document.read());
  }

  async rotate(update: (stored: StoredTokens | undefined) => Promise<StoredTokens | undefined>): Promise<StoredTokens | undefined> {
    const result = await this.#document.rotate(async (stored) => {
      const next = await update(this.#parse(stored));
      return next === undefined ? undefined : (JSON.parse(JSON.stringify(next)) as JsonValue);
    });
    return this.#parse(result);
  }

  #parse(document: JsonValue | undefined): StoredTokens | undefined {
    if (document === undefined || document === null) return undefined;
    const parsed = parseStoredTokens(JSON.stringify(document));
    if (!parsed) {
      throw new UsageError(`${this.where}: the Cintoo token pair stored there is damaged. Fix: delete that row, sign in to Cintoo in a browser for a new token pair and run again with CINTOO_REFRESH_TOKEN=<its refresh token>.`);
    }
    return parsed;
  }
}
