// `ferry verify` and `ferry reconcile` for one job: open its ledger and its destination (read
// only), stream the comparison, and — for reconcile — apply or describe the repairs. A SQLite
// ledger is locked like a run, so nothing changes underneath; on a shared ledger, items a live
// worker holds are left alone.

import { ExitCode, UsageError } from '../core/errors.ts';
import { acquireRunLock } from '../ledger/runLock.ts';
import { retryTransient } from '../pipeline/retryTransient.ts';
import { FindingWriter, type OutputFormat } from '../verify/format.ts';
import { Reconciler } from '../verify/reconcile.ts';
import { verifyJob, type VerifySummary } from '../verify/verifyJob.ts';
import type { JobContext } from './jobContext.ts';
import { openExistingLedger } from './openExistingLedger.ts';
import { prepareRetry, registrationOf, targetFor } from './targetFor.ts';

export interface VerifyRunOptions {
  format: OutputFormat;
  write(text: string): void;
  /** Present for reconcile. */
  reconcile?: { apply: boolean; deleteDuplicates: boolean };
}

export async function verifyDestination(ctx: JobContext, options: VerifyRunOptions): Promise<{ exitCode: ExitCode; summary: VerifySummary }> {
  const target = targetFor(ctx);
  if (!target.capabilities.verify || !target.openVerifier) {
    throw new UsageError(`${ctx.job.file}: ferry cannot list a ${target.type} destination yet, so it cannot verify this job. Fix: use ferry report to see what the ledger says.`);
  }
  const store = await openExistingLedger(ctx);
  const { runLockFile } = store.policies;
  const lock = options.reconcile?.apply && runLockFile !== undefined ? await acquireRunLock(runLockFile).catch(async (error: unknown) => {
    await store.close();
    throw error;
  }) : undefined;
  const abort = new AbortController();
  const stop = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const verifier = await retryTransient(() => target.openVerifier!(abort.signal), { ...prepareRetry(ctx), what: `opening the ${target.type} destination`, signal: abort.signal });
    const writer = new FindingWriter(options.format, options.write);
    const reconciler = options.reconcile ? new Reconciler(store, verifier, { ...options.reconcile, signal: abort.signal, log: ctx.log }) : undefined;
    const registration = registrationOf(ctx);
    const summary = await verifyJob(store, verifier, {
      job: ctx.job.name,
      signal: abort.signal,
      remoteIdOf: (item) => registration.remoteId(item.remote),
      onFinding: async (finding) => writer.finding(finding, reconciler && (await reconciler.handle(finding))),
    });
    writer.end(summary, reconciler && { apply: options.reconcile!.apply, counts: reconciler.counts });
    const failedRepairs = reconciler ? reconciler.counts.failed > 0 : false;
    const exitCode = reconciler ? (failedRepairs ? ExitCode.itemsFailed : ExitCode.ok) : summary.clean ? ExitCode.ok : ExitCode.itemsFailed;
    return { exitCode, summary };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await store.close();
    await lock?.release();
  }
}
