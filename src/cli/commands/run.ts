import { openJobContext } from '../../app/jobContext.ts';
import { runJob, type StopControl } from '../../app/runJob.ts';
import { buildRunSummary, formatRunSummary, type RunSummary } from '../../app/runSummary.ts';
import type { SandboxRun } from '../../app/sandboxMode.ts';
import type { FerryMetrics } from '../../metrics/ferryMetrics.ts';
import { serveMetrics, type MetricsServer } from '../../metrics/server.ts';
import { printSummary } from '../summaryOutput.ts';

interface RunFlags {
  config?: string;
  ledger?: string;
  sandbox?: boolean;
  concurrency?: number;
  maxRate?: number;
  planOnly?: boolean;
  logLevel?: string;
  json?: boolean;
  metricsPort?: number;
  metricsHost?: string;
}

export async function runCommand(jobPath: string, flags: RunFlags): Promise<void> {
  await printSummary<RunSummary>({ command: 'run', jobFile: jobPath, json: flags.json === true, produce: () => run(jobPath, flags), formatText: formatRunSummary });
}

async function run(jobPath: string, flags: RunFlags): Promise<RunSummary> {
  const ctx = openJobContext(jobPath, flags);
  if (flags.concurrency) ctx.job.runner.concurrency = flags.concurrency;
  if (flags.maxRate !== undefined) ctx.job.runner.maxBytesPerSecond = flags.maxRate;
  let sandbox: SandboxRun | undefined;
  let metricsServer: MetricsServer | undefined;
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
  let contents: string[] | undefined;
  try {
    let metrics: FerryMetrics | undefined;
    if (flags.metricsPort !== undefined) {
      // prom-client is loaded only for a run that serves metrics (about 8 MB of RSS otherwise).
      metrics = new (await import('../../metrics/ferryMetrics.ts')).FerryMetrics();
      metricsServer = await serveMetrics({ port: flags.metricsPort, host: flags.metricsHost, metrics, log: ctx.log });
    }
    // The emulators' modules are loaded only for --sandbox.
    if (flags.sandbox) sandbox = await (await import('../../app/sandboxMode.ts')).attachSandbox(ctx, { keepLedger: flags.ledger !== undefined });
    result = await runJob(ctx, stop, { planOnly: flags.planOnly === true, ...(metrics ? { metrics } : {}) });
    if (sandbox) contents = sandbox.describeContents();
  } finally {
    await sandbox?.close();
    await metricsServer?.close();
  }
  return buildRunSummary(ctx.job, result, contents);
}
