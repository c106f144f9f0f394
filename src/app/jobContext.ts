// Everything a verb needs about one job: its validated config and job file, the secret
// registry every log line is scrubbed with, a logger, and where its ledger lives (a file, or a
// postgres:// URL shared by many workers).

import path from 'node:path';
import type { Logger } from 'pino';
import type { LevelWithSilent } from 'pino';
import { loadConfig, loadJob, type LoadedConfig, type LoadedJob } from '../config/load.ts';
import { createLogger } from '../log/logger.ts';
import { SecretRegistry } from '../log/redact.ts';
import { defaultLedgerLocation, isPostgresLocation, locationPassword } from '../ledger/location.ts';

export interface JobContext {
  config: LoadedConfig;
  job: LoadedJob;
  secrets: SecretRegistry;
  log: Logger;
  /** A SQLite file path or a postgres:// URL (openLedger decides). */
  ledgerLocation: string;
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
  const ledgerLocation = options.ledger ? (isPostgresLocation(options.ledger) ? options.ledger : path.resolve(options.ledger)) : defaultLedgerLocation(job.file, job.name, ledgerDir);
  // A ledger URL's password is a secret like the platforms' tokens.
  secrets.add(locationPassword(ledgerLocation));
  return { config, job, secrets, log, ledgerLocation, env: process.env };
}
