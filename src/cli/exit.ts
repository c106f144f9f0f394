// The one place where errors become exit codes and operator messages.

import { CommanderError } from 'commander';
import { AuthError, ExitCode, PermanentError, PlatformUnavailableError, RateLimitedError, RetryableError, UsageError } from '../core/errors.ts';
import { scrubText } from '../log/redact.ts';

export function exitWith(code: ExitCode): never {
  process.exit(code);
}

/** What an error means to the operator: the exit code and the one-paragraph message (secrets scrubbed). */
export interface FatalOutcome {
  code: ExitCode;
  message: string;
  /** A bug in ferry: the message carries the stack, for the report. */
  defect: boolean;
}

export function describeFatal(error: unknown): FatalOutcome {
  const outcome = (message: string, code: ExitCode): FatalOutcome => ({ code, message: scrubText(message), defect: false });
  if (error instanceof UsageError) return outcome(error.message, ExitCode.usage);
  if (error instanceof AuthError) return outcome(`authentication failed: ${error.message}. Fix: check the credentials in the config or environment.`, ExitCode.auth);
  if (error instanceof PlatformUnavailableError) return outcome(`platform unavailable: ${error.message}`, ExitCode.unavailable);
  // A transient failure that escaped a retry loop still means "try again", not a defect.
  if (error instanceof RetryableError || error instanceof RateLimitedError) return outcome(`platform unavailable: ${error.message}. Nothing was lost. Fix: run the same command again later.`, ExitCode.unavailable);
  // The platform refused something about the job itself (a gallery id that does not exist, a
  // work zone that was deleted): the job needs fixing, like any other usage problem.
  if (error instanceof PermanentError) return outcome(`the platform refused the job: ${error.message}. Fix: correct the job file (ferry validate <job> checks it).`, ExitCode.usage);
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: ExitCode.defect, message: scrubText(message), defect: true };
}

export function handleFatal(error: unknown): never {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; usage mistakes were already printed.
    process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
  }
  const { code, message, defect } = describeFatal(error);
  process.stderr.write(defect ? `ferry: unexpected error (a defect; please report it with this text):\n${message}\n` : `ferry: ${message}\n`);
  process.exit(code);
}
