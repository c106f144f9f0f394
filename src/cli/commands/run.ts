import { openJobContext } from '../../app/jobContext.ts';
import { runJob, type StopControl } from '../../app/runJob.ts';
import { attachSandbox, type SandboxRun } from '../../app/sandboxMode.ts';
import { formatRunSummary } from '../../app/summary.ts';
import { exitWith } from '../exit.ts';

interface RunFlags {
  config?: string;
  ledger?: string;
  sandbox?: boolean;
  concurrency?: number;
  planOnly?: boolean;
  logLevel?: string;
}

export async function runCommand(jobPath: string, flags: RunFlags): Promise<void> {
  const ctx = openJobContext(jobPath, flags);
  if (flags.concurrency) ctx.job.runner.concurrency = flags.concurrency;
  let sandbox: SandboxRun | undefined;
  if (flags.sandbox) sandbox = await attachSandbox(ctx, { keepLedger: flags.ledger !== undefined });
  const listeners: ((stage: 'drain' | 'abort') => void)[] = [];
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    const stage = signals === 1 ? 'drain' : 'abort';
    ctx.log.warn(stage === 'drain' ? 'stopping: finishing the steps in flight (Ctrl-C again to cancel them)' : 'cancelling the steps in flight');
    for (const listener of listeners) listener(stage);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stop: StopControl = { onStop: (listener) => listeners.push(listener) };
  let result;
  let platform = '';
  try {
    result = await runJob(ctx, stop, { planOnly: flags.planOnly === true });
    if (sandbox) platform = sandbox.describeContents();
  } finally {
    await sandbox?.close();
  }
  process.stdout.write(formatRunSummary(ctx.job.name, ctx.job.file, result) + platform);
  exitWith(result.exitCode);
}
