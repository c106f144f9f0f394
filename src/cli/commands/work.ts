import { work } from '../../app/work.ts';
import type { FerryMetrics } from '../../metrics/ferryMetrics.ts';
import { serveMetrics, type MetricsServer } from '../../metrics/server.ts';
import type { StopControl } from '../../app/runJob.ts';
import { exitWith } from '../exit.ts';

interface WorkFlags {
  store?: string;
  ledger?: string;
  config?: string;
  logLevel?: string;
  exitWhenIdle?: boolean;
  idleMax?: number;
  concurrency?: number;
  metricsPort?: number;
  metricsHost?: string;
}

export async function workCommand(flags: WorkFlags): Promise<void> {
  const store = flags.ledger ?? flags.store;
  if (!store) {
    process.stderr.write('ferry work: --store is required. Fix: ferry work --store postgres://user@host/database (the ledger the jobs were run with).\n');
    exitWith(2);
  }
  const listeners: ((stage: 'drain' | 'abort') => void)[] = [];
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    const stage = signals === 1 ? 'drain' : 'abort';
    process.stderr.write(stage === 'drain' ? `ferry work: ${signal}: draining — finishing the steps in flight, then exiting (send it again to cancel them)\n` : `ferry work: ${signal}: cancelling the steps in flight\n`);
    for (const listener of listeners) listener(stage);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stop: StopControl = { onStop: (listener) => listeners.push(listener) };
  let metricsServer: MetricsServer | undefined;
  let metrics: FerryMetrics | undefined;
  try {
    if (flags.metricsPort !== undefined) {
      // prom-client is loaded only for a run that serves metrics (about 8 MB of RSS otherwise).
      metrics = new (await import('../../metrics/ferryMetrics.ts')).FerryMetrics();
      const { createLogger } = await import('../../log/logger.ts');
      metricsServer = await serveMetrics({ port: flags.metricsPort, host: flags.metricsHost, metrics, log: createLogger({ level: 'info' }) });
    }
    const result = await work(
      {
        store,
        ...(flags.config ? { config: flags.config } : {}),
        ...(flags.logLevel ? { logLevel: flags.logLevel } : {}),
        ...(flags.exitWhenIdle ? { exitWhenIdle: true } : {}),
        ...(flags.idleMax ? { idleMaxMs: flags.idleMax * 1000 } : {}),
        ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
        ...(metrics ? { metrics } : {}),
      },
      stop,
    );
    exitWith(result.exitCode);
  } finally {
    await metricsServer?.close();
  }
}
