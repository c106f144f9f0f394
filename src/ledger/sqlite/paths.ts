import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** A job's ledger file: `<dir>/<job>.sqlite`, by default in a `.ferry` folder beside the job file. */
export function ledgerPathForJob(jobFile: string, jobName: string, dir?: string): string {
  const folder = dir ?? path.join(path.dirname(jobFile), '.ferry');
  mkdirSync(folder, { recursive: true });
  return path.join(folder, `${jobName}.sqlite`);
}
