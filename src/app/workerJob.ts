// A job as a `ferry work` process sees it: the definition `ferry run --store` registered in the
// shared ledger (the validated job file, its path, the config file's path — never a secret),
// joined with this worker's own config and environment, from which every credential comes.
// The job file itself need not exist on this machine; item sources that are local files must
// (the same paths, e.g. a shared mount), and so must nothing else.

import path from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig, LoadedJob } from '../config/load.ts';
import { jobSchema } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import type { SecretRegistry } from '../log/redact.ts';
import type { JobEntry } from '../ledger/types.ts';
import type { JobContext } from './jobContext.ts';

export interface WorkerBase {
  config: LoadedConfig;
  secrets: SecretRegistry;
  log: Logger;
  ledgerLocation: string;
  /** The ledger as it may be printed. */
  where: string;
}

export function workerJobContext(entry: JobEntry, base: WorkerBase): JobContext {
  const fix = `Fix: run \`ferry run <job file> --store ${base.where}\` once with this ferry version to register the job's definition.`;
  const definition = entry.definition;
  if (!definition || typeof definition.file !== 'string' || typeof definition.job !== 'object' || definition.job === null) {
    throw new UsageError(`job ${entry.name} in ${base.where} has no usable definition (it was planned by an older ferry, or by hand). ${fix}`);
  }
  const parsed = jobSchema.safeParse(definition.job);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`job ${entry.name} in ${base.where}: its registered definition (from ${definition.file}) is not valid for this ferry version: ${issue.path.join('.') || '(root)'}: ${issue.message}. ${fix}`);
  }
  const file = definition.file;
  const job: LoadedJob = { job: parsed.data, name: entry.name, file, baseDir: path.dirname(file), runner: { ...base.config.config.runner, ...parsed.data.runner } };
  return { config: base.config, job, secrets: base.secrets, log: base.log.child({ job: entry.name }), ledgerLocation: base.ledgerLocation, env: process.env };
}
