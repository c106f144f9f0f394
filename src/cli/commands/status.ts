import { openJobContext } from '../../app/jobContext.ts';
import { openExistingLedger } from '../../app/openExistingLedger.ts';
import { liveRunHolder } from '../../ledger/runLock.ts';
import { formatStatus, statusJson } from '../../report/status.ts';

export async function statusCommand(jobPath: string, flags: { config?: string; ledger?: string; json?: boolean }): Promise<void> {
  const ctx = openJobContext(jobPath, { ...flags, logLevel: 'warn' });
  const store = await openExistingLedger(ctx);
  try {
    const stats = await store.stats();
    // A live run's age bounds the time its rate is measured over (report/rate.ts). A shared
    // ledger has no run lock: many workers come and go, and the window alone measures the rate.
    const { runLockFile } = store.policies;
    const clock = { runStartedAt: runLockFile === undefined ? undefined : liveRunHolder(runLockFile)?.since };
    process.stdout.write(flags.json ? `${JSON.stringify(statusJson(stats, ctx.job.name, clock), null, 2)}\n` : formatStatus(stats, ctx.job.name, clock));
  } finally {
    await store.close();
  }
}
