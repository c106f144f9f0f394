import { openReadSideJob } from '../../app/readSideJob.ts';

export async function retryCommand(jobPath: string, flags: { config?: string; ledger?: string }): Promise<void> {
  const { ctx, store } = await openReadSideJob(jobPath, { ...flags, logLevel: 'warn' });
  try {
    const count = await store.retryFailed();
    process.stdout.write(`ferry: ${count} failed item${count === 1 ? '' : 's'} of job ${ctx.job.name} put back to pending. Next: ferry run ${ctx.job.file}\n`);
  } finally {
    await store.close();
  }
}
