// The job of a read-side verb (status, report, retry) and its existing ledger. `<job>` is the
// job file, as everywhere; with a shared store (--store postgres://…) it may instead be the
// job's name, so that these verbs work from any machine, without the job file: the definition
// the job's `ferry run` registered in the store stands in for it.

import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import { LedgerNotFoundError } from '../ledger/errors.ts';
import { isPostgresLocation, locationPassword } from '../ledger/location.ts';
import { openLedger } from '../ledger/open.ts';
import type { LedgerStore } from '../ledger/types.ts';
import { createLogger } from '../log/logger.ts';
import { SecretRegistry } from '../log/redact.ts';
import { openJobContext, type JobContextOptions, type JobContext } from './jobContext.ts';
import { openExistingLedger } from './openExistingLedger.ts';
import { workerJobContext } from './workerJob.ts';

export async function openReadSideJob(jobArg: string, options: JobContextOptions): Promise<{ ctx: JobContext; store: LedgerStore }> {
  const ledger = options.ledger;
  if (ledger === undefined || !isPostgresLocation(ledger) || existsSync(jobArg) || /\.jsonc?$/i.test(jobArg)) {
    const ctx = openJobContext(jobArg, options);
    return { ctx, store: await openExistingLedger(ctx) };
  }
  const config = loadConfig(options.config);
  const store = await openLedger(ledger, { job: jobArg, poolSize: config.config.ledger.poolSize, create: false });
  try {
    await store.migrate();
    const secrets = new SecretRegistry();
    secrets.add(locationPassword(ledger));
    const log = createLogger({ level: 'warn', secrets });
    const ctx = workerJobContext({ name: jobArg, createdAt: 0, definition: (await store.jobDefinition()) ?? null }, { config, secrets, log, ledgerLocation: ledger, where: store.location });
    return { ctx, store };
  } catch (error) {
    await store.close();
    if (error instanceof LedgerNotFoundError) {
      throw new UsageError(`${store.location} holds no job named "${jobArg}" (and there is no job file of that name here). Fix: give the job's name as \`ferry status --store <url>\` lists it, or the path of its job file.`, { cause: error });
    }
    throw error;
  }
}
