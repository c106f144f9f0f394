import { openJobContext } from '../../app/jobContext.ts';
import { openExistingLedger } from '../../app/openExistingLedger.ts';

export async function retryCommand(jobPath: string, flags: { config?: string; ledger?: string }): Promise<void> {
  const ctx = openJobContext(jobPath, { ...flags, logLevel: 'warn' });
  const store = await openExistingLedger(ctx);
  try {
    const count = await store.retryFailed();
    process.stdout.write(`ferry: ${count} failed item${count === 1 ? '' : 's'} of job ${ctx.job.name} put back to pending. Next: ferry run ${ctx.job.file}\n`);
  } finally {
    await store.close();
  }
}
