import { openJobContext } from '../../app/jobContext.ts';
import { verifyDestination } from '../../app/verifyDestination.ts';
import type { OutputFormat } from '../../verify/format.ts';
import { exitWith } from '../exit.ts';

interface VerifyFlags {
  config?: string;
  ledger?: string;
  format: OutputFormat;
  json?: boolean;
  apply?: boolean;
  deleteDuplicates?: boolean;
  logLevel?: string;
}

export async function verifyCommand(jobPath: string, flags: VerifyFlags): Promise<void> {
  const ctx = openJobContext(jobPath, { ...flags, logLevel: flags.logLevel ?? 'warn' });
  const { exitCode } = await verifyDestination(ctx, { format: flags.json ? 'json' : flags.format, write: (text) => process.stdout.write(text) });
  exitWith(exitCode);
}

export async function reconcileCommand(jobPath: string, flags: VerifyFlags): Promise<void> {
  const ctx = openJobContext(jobPath, { ...flags, logLevel: flags.logLevel ?? 'info' });
  const { exitCode } = await verifyDestination(ctx, {
    format: flags.json ? 'json' : flags.format,
    write: (text) => process.stdout.write(text),
    reconcile: { apply: flags.apply === true, deleteDuplicates: flags.deleteDuplicates === true },
  });
  exitWith(exitCode);
}
