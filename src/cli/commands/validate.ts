import { openJobContext } from '../../app/jobContext.ts';
import type { SandboxRun } from '../../app/sandboxMode.ts';
import { validateJob } from '../../app/validateJob.ts';
import { formatValidateSummary, type ValidateSummary } from '../../app/validateSummary.ts';
import { printSummary } from '../summaryOutput.ts';

interface ValidateFlags {
  config?: string;
  offline?: boolean;
  sources: number;
  sandbox?: boolean;
  json?: boolean;
}

export async function validateCommand(jobPath: string, flags: ValidateFlags): Promise<void> {
  await printSummary<ValidateSummary>({ command: 'validate', jobFile: jobPath, json: flags.json === true, produce: () => validate(jobPath, flags), formatText: formatValidateSummary });
}

async function validate(jobPath: string, flags: ValidateFlags): Promise<ValidateSummary> {
  const ctx = openJobContext(jobPath, { config: flags.config, logLevel: 'warn' });
  let sandbox: SandboxRun | undefined;
  if (flags.sandbox && !flags.offline) sandbox = await (await import('../../app/sandboxMode.ts')).attachSandbox(ctx);
  try {
    return await validateJob(ctx, { offline: flags.offline === true, sources: flags.sources });
  } finally {
    await sandbox?.close();
  }
}
