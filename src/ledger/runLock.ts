// One run of a job per machine at a time. A lock file beside the ledger names its holder
// (pid, host, since); a second `ferry run` — an overlapping cron tick — refuses to start and
// says who holds it. A lock whose process is gone is taken over, so a crash never wedges a job.

import { hostname } from 'node:os';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import type { RunLockHolder } from './types.ts';

export interface RunLock {
  holder: RunLockHolder;
  /** The stale holder this lock was taken over from, if any. */
  tookOverFrom: RunLockHolder | undefined;
  release(): Promise<void>;
}

/** Takes the lock file a ledger names in its policies (`LedgerPolicies.runLockFile`). */
export async function acquireRunLock(file: string): Promise<RunLock> {
  const holder: RunLockHolder = { pid: process.pid, host: hostname(), since: Date.now() };
  const body = JSON.stringify(holder);
  let tookOverFrom: RunLockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, body, { flag: 'wx' });
      return lock(file, holder, tookOverFrom);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readHolder(file);
    if (current && isAlive(current)) {
      throw new UsageError(
        `${file}: this job is already running: pid ${current.pid} on host ${current.host} since ${new Date(current.since).toISOString()}. ` +
          'Fix: wait for that run to finish (ferry status shows its progress) or stop it; never delete the lock of a live run.',
      );
    }
    // Stale: replace it atomically, then re-read to make sure no other starter won the race.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, body);
    renameSync(temp, file);
    const now = readHolder(file);
    if (now?.pid === holder.pid && now.host === holder.host && now.since === holder.since) {
      tookOverFrom = current;
      return lock(file, holder, tookOverFrom);
    }
  }
  throw new UsageError(`${file}: could not take the job's run lock (another run is starting at the same moment). Fix: try again.`);
}

function lock(file: string, holder: RunLockHolder, tookOverFrom: RunLockHolder | undefined): RunLock {
  let released = false;
  return {
    holder,
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      const current = readHolder(file);
      if (current?.pid === holder.pid && current.since === holder.since) rmSync(file, { force: true });
    },
  };
}

function readHolder(file: string): RunLockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunLockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'number') return parsed as RunLockHolder;
  } catch {
    // unreadable or half-written: treated as stale
  }
  return undefined;
}

/** A holder on another host cannot be checked from here, so it counts as alive. */
function isAlive(holder: RunLockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
