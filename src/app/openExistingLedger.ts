// Read-side verbs (status, report, retry) open a job's existing ledger; they never create one.

import { existsSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import { openSqliteLedger } from '../ledger/sqlite/store.ts';
import type { LedgerStore } from '../ledger/types.ts';
import type { JobContext } from './jobContext.ts';

export async function openExistingLedger(ctx: JobContext): Promise<LedgerStore> {
  if (!existsSync(ctx.ledgerPath)) {
    throw new UsageError(`${ctx.ledgerPath}: job ${ctx.job.name} has no ledger yet. Fix: run \`ferry run ${ctx.job.file}\` first, or pass --ledger <file> if it lives elsewhere.`);
  }
  const store = openSqliteLedger(ctx.ledgerPath);
  await store.migrate();
  return store;
}
