// The one place where errors become exit codes and operator messages.

import { CommanderError } from 'commander';
import { AuthError, ExitCode, UsageError } from '../core/errors.ts';
import { scrubText } from '../log/redact.ts';

export function exitWith(code: ExitCode): never {
  process.exit(code);
}

export function handleFatal(error: unknown): never {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; usage mistakes were already printed.
    process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`ferry: ${scrubText(error.message)}\n`);
    process.exit(ExitCode.usage);
  }
  if (error instanceof AuthError) {
    process.stderr.write(`ferry: authentication failed: ${scrubText(error.message)}. Fix: check the token in the config or environment.\n`);
    process.exit(ExitCode.auth);
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`ferry: unexpected error (a defect; please report it with this text):\n${scrubText(message)}\n`);
  process.exit(ExitCode.itemsFailed);
}
