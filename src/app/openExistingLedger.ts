// Read-side verbs (status, report, retry) open a job's existing ledger; they never create one.

import { UsageError } from '../core/errors.ts';
import { LedgerNotFoundError } from '../ledger/errors.ts';
import { openLedger } from '../ledger/open.ts';
import type { LedgerStore } from '../ledger/types.ts';
import type { JobContext } from './jobContext.ts';

export async function openExistingLedger(ctx: JobContext): Promise<LedgerStore> {
  let store: LedgerStore | undefined;
  try {
    store = await openLedger(ctx.ledgerLocation, { job: ctx.job.name, poolSize: ctx.config.config.ledger.poolSize, create: false });
    await store.migrate();
    return store;
  } catch (error) {
    await store?.close();
    if (error instanceof LedgerNotFoundError) {
      throw new UsageError(`${error.message} Fix: run \`ferry run ${ctx.job.file}\` first, or pass --store <file or postgres:// URL> if it lives elsewhere.`, { cause: error });
    }
    throw error;
  }
}
