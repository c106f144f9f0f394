// Verbs that end with a summary (run, validate, and verify after them) build it once as plain
// data — a CommandSummary — and the CLI prints it either through the verb's text formatter or,
// with --json, as one JSON document on stdout (cli/summaryOutput.ts). Logs stay on stderr
// either way, so `ferry run job.json --json | jq` always reads one document.

import type { ExitCode } from '../core/errors.ts';

export interface CommandSummary {
  /** The verb: "run", "validate", ... */
  command: string;
  job: string;
  /** The job file, absolute. */
  jobFile: string;
  /** The exit code the command ends with (README "Exit codes"). */
  exitCode: ExitCode;
}

/** What --json prints instead when the command could not produce its summary (exit 2, 3, 70, 75). */
export interface CommandFailure {
  command: string;
  jobFile: string;
  exitCode: ExitCode;
  /** The same one-paragraph message as on stderr. */
  error: string;
}
