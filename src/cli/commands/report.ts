import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { openReadSideJob } from '../../app/readSideJob.ts';
import { registrationOf } from '../../app/targetFor.ts';
import { writeReport } from '../../report/report.ts';

interface ReportFlags {
  config?: string;
  ledger?: string;
  format: 'csv' | 'json';
  only?: 'failed';
  out?: string;
}

export async function reportCommand(jobPath: string, flags: ReportFlags): Promise<void> {
  const { ctx, store } = await openReadSideJob(jobPath, { ...flags, logLevel: 'warn' });
  try {
    const out = flags.out ? createWriteStream(flags.out) : process.stdout;
    const rows = await writeReport(store, out, { format: flags.format, onlyFailed: flags.only === 'failed', remoteId: (remote) => registrationOf(ctx).remoteId(remote) });
    if (flags.out) {
      out.end();
      await finished(out);
      process.stderr.write(`ferry: wrote ${rows} rows to ${flags.out}\n`);
    }
  } finally {
    await store.close();
  }
}
