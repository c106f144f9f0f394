// Everything a verb needs about one job: its validated config and job file, the secret
// registry every log line is scrubbed with, a logger, and where its ledger lives.

import path from 'node:path';
import type { Logger } from 'pino';
import type { LevelWithSilent } from 'pino';
import { loadConfig, loadJob, type LoadedConfig, type LoadedJob } from '../config/load.ts';
import { createLogger } from '../log/logger.ts';
import { SecretRegistry } from '../log/redact.ts';
import { ledgerPathForJob } from '../ledger/sqlite/paths.ts';

export interface JobContext {
  config: LoadedConfig;
  job: LoadedJob;
  secrets: SecretRegistry;
  log: Logger;
  ledgerPath: string;
  /** Where secrets are looked up; sandbox mode replaces it so a real token is never sent to an emulator. */
  env: NodeJS.ProcessEnv;
}

export interface JobContextOptions {
  config?: string;
  ledger?: string;
  logLevel?: string;
}

export function openJobContext(jobPath: string, options: JobContextOptions): JobContext {
  const config = loadConfig(options.config);
  const job = loadJob(jobPath, config.config);
  const secrets = new SecretRegistry();
  const log = createLogger({ level: (options.logLevel ?? config.config.log.level) as LevelWithSilent, secrets }).child({ job: job.name });
  const ledgerDir = config.config.ledger.dir ? path.resolve(config.baseDir, config.config.ledger.dir) : undefined;
  const ledgerPath = options.ledger ? path.resolve(options.ledger) : ledgerPathForJob(job.file, job.name, ledgerDir);
  return { config, job, secrets, log, ledgerPath, env: process.env };
}
