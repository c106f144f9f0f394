// Reading config and job files: JSONC → schema → normalised values, or one UsageError whose
// single paragraph names the file, the line, each bad key path and the fix. No stack traces
// for operators' typos.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { configSchema, jobSchema, type Config, type Job, type RunnerSettings } from './schema.ts';
import { describeIssue } from './issues.ts';
import { parseJsonc } from './readJsonc.ts';

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or undefined when only defaults and environment apply. */
  file: string | undefined;
  /** Folder relative paths in the config are resolved against. */
  baseDir: string;
}

export interface LoadedJob {
  job: Job;
  name: string;
  file: string;
  baseDir: string;
  runner: RunnerSettings;
}

export const DEFAULT_CONFIG_FILE = 'ferry.config.json';

/** Config from `--config`, else $FERRY_CONFIG, else ./ferry.config.json when present, else defaults. */
export function loadConfig(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const chosen = explicitPath ?? env.FERRY_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (chosen === undefined) return { config: configSchema.parse({}), file: undefined, baseDir: process.cwd() };
  const file = path.resolve(chosen);
  const config = parseFile(file, configSchema, 'config');
  return { config, file, baseDir: path.dirname(file) };
}

export function loadJob(jobPath: string, config: Config): LoadedJob {
  const file = path.resolve(jobPath);
  const job = parseFile(file, jobSchema, 'job');
  const name = job.name ?? path.basename(file).replace(/\.jsonc?$/i, '');
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new UsageError(`${file}: the job name "${name}" (taken from the file name) has characters ferry cannot use in ledger files and reference ids. Fix: add "name": "<letters, digits, . _ ->" to the job file.`);
  }
  return { job, name, file, baseDir: path.dirname(file), runner: { ...config.runner, ...job.runner } };
}

function parseFile<S extends z.ZodType>(file: string, schema: S, what: 'config' | 'job'): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new UsageError(`${file}: the ${what} file ${reason}. Fix: check the path${what === 'job' ? ' given to ferry' : ' given with --config or FERRY_CONFIG'}.`);
  }
  const document = parseJsonc(text, file);
  const result = schema.safeParse(document.value);
  if (!result.success) {
    // Each problem with the line of its key (for an unknown key, the key itself), first line first.
    const problems = result.error.issues
      .map((issue) => ({ text: describeIssue(issue, document.value), line: document.lineOf(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path) }))
      .sort((a, b) => a.line - b.line);
    const listed = problems.length === 1 ? problems[0]!.text : problems.map((problem) => `line ${problem.line}: ${problem.text}`).join('; ');
    throw new UsageError(`${file}:${problems[0]!.line}: invalid ${what} file: ${listed}.`);
  }
  return result.data;
}
