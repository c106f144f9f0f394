// How a verb's summary reaches stdout: as text through the verb's formatter, or with --json as
// one JSON document. Under --json even a failure is one document ({command, jobFile, exitCode,
// error}) so a script reading stdout always gets JSON; the message also goes to stderr as usual.
// Shared by run and validate, and meant for every later verb with a summary (verify).

import path from 'node:path';
import type { CommandFailure, CommandSummary } from '../app/commandSummary.ts';
import { describeFatal, exitWith, handleFatal } from './exit.ts';

export interface SummaryCommand<S extends CommandSummary> {
  command: S['command'];
  /** The job file as given on the command line. */
  jobFile: string;
  json: boolean;
  /** Does the verb's work and returns its summary; throws for exit codes 2, 3, 70, 75. */
  produce(): Promise<S>;
  formatText(summary: S): string;
}

export async function printSummary<S extends CommandSummary>(command: SummaryCommand<S>): Promise<never> {
  let summary: S;
  try {
    summary = await command.produce();
  } catch (error) {
    if (command.json) {
      const { code, message } = describeFatal(error);
      const failure: CommandFailure = { command: command.command, jobFile: path.resolve(command.jobFile), exitCode: code, error: message };
      process.stdout.write(`${JSON.stringify(failure, null, 2)}\n`);
    }
    handleFatal(error);
  }
  process.stdout.write(command.json ? `${JSON.stringify(summary, null, 2)}\n` : command.formatText(summary));
  exitWith(summary.exitCode);
}
