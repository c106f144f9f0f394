import { openFleet } from '../../fleet/fleet.ts';
import { openReadSideJob } from '../../app/readSideJob.ts';
import { UsageError } from '../../core/errors.ts';
import { liveRunHolder } from '../../ledger/runLock.ts';
import { formatFleet, formatStatus, statusJson } from '../../report/status.ts';

export async function statusCommand(jobPath: string | undefined, flags: { config?: string; ledger?: string; json?: boolean }): Promise<void> {
  if (jobPath === undefined) return fleetStatus(flags);
  const { ctx, store } = await openReadSideJob(jobPath, { ...flags, logLevel: 'warn' });
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

/** `ferry status --store postgres://…` without a job: every job of the shared ledger and the workers serving it. */
async function fleetStatus(flags: { ledger?: string; json?: boolean }): Promise<void> {
  const fleet = flags.ledger === undefined ? undefined : await openFleet(flags.ledger);
  if (!fleet) throw new UsageError('ferry status: name a job (its job file), or give --store postgres://… to see every job of a shared ledger and its workers.');
  try {
    const jobs = await fleet.overview();
    process.stdout.write(flags.json ? `${JSON.stringify({ store: fleet.location, jobs }, null, 2)}\n` : formatFleet(fleet.location, jobs));
  } finally {
    await fleet.close();
  }
}
