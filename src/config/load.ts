// Reading config and job files: JSONC → schema → normalised values, or one UsageError whose
// single paragraph names the file, each bad key path and the fix. No stack traces for
// operators' typos.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { configSchema, jobSchema, type Config, type Job, type RunnerSettings } from './schema.ts';
import { stripJsonComments, lineOf } from './jsonc.ts';
import { describeIssue } from './issues.ts';

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
  const stripped = stripJsonComments(text);
  let raw: unknown;
  try {
    raw = JSON.parse(stripped);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    const where = position ? `:${lineOf(stripped, Number(position[1]))}` : '';
    throw new UsageError(`${file}${where}: not valid JSON (${(error as Error).message}). Fix: correct the syntax; comments (// and /* */) are allowed.`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, raw));
    throw new UsageError(`${file}: invalid ${what} file: ${problems.join('; ')}.`);
  }
  return result.data;
}
