import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { openJobContext } from '../../app/jobContext.ts';
import { openExistingLedger } from '../../app/openExistingLedger.ts';
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
  const ctx = openJobContext(jobPath, { ...flags, logLevel: 'warn' });
  const store = await openExistingLedger(ctx);
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
