import { openJobContext } from '../../app/jobContext.ts';
import { attachSandbox, type SandboxRun } from '../../app/sandboxMode.ts';
import { validateJob } from '../../app/validateJob.ts';
import { exitWith } from '../exit.ts';

interface ValidateFlags {
  config?: string;
  offline?: boolean;
  sources: number;
  sandbox?: boolean;
}

export async function validateCommand(jobPath: string, flags: ValidateFlags): Promise<void> {
  const ctx = openJobContext(jobPath, { config: flags.config, logLevel: 'warn' });
  let sandbox: SandboxRun | undefined;
  if (flags.sandbox && !flags.offline) sandbox = await attachSandbox(ctx);
  let result;
  try {
    result = await validateJob(ctx, { offline: flags.offline === true, sources: flags.sources });
  } finally {
    await sandbox?.close();
  }
  process.stdout.write(`${result.lines.join('\n')}\n`);
  exitWith(result.exitCode);
}
