// Where a job's ledger lives, and who may read it. The ledger keeps what resume needs, signed
// upload URLs included (a Cincopa upload URL is a credential until it expires), so its folder
// and files are for their owner only — as ssh keeps ~/.ssh.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/** A job's ledger file: `<dir>/<job>.sqlite`, by default in a `.ferry` folder beside the job file. */
export function ledgerPathForJob(jobFile: string, jobName: string, dir?: string): string {
  const folder = dir ?? path.join(path.dirname(jobFile), '.ferry');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // ferry's own folder is tightened even when an earlier version made it; a folder the operator
  // configured (ledger.dir) is theirs to set up, and the files in it are private anyway.
  if (dir === undefined) ownerOnly(folder, 0o700);
  return path.join(folder, `${jobName}.sqlite`);
}

/**
 * Creates the ledger file for its owner only before SQLite opens it: SQLite gives the -wal and
 * -shm files it makes the database file's permissions. Files an earlier version left readable by
 * others are tightened.
 */
export function privateLedgerFile(file: string): void {
  if (file === ':memory:' || file.startsWith('file:')) return;
  closeSync(openSync(file, 'a', 0o600));
  for (const suffix of ['', '-wal', '-shm', '-journal']) if (existsSync(file + suffix)) ownerOnly(file + suffix, 0o600);
}

function ownerOnly(target: string, mode: number): void {
  try {
    chmodSync(target, mode);
  } catch (error) {
    // Another user's ledger (read by `ferry status` with group access): not ours to change.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}
