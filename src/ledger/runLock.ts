// One run of a job per machine at a time. A lock file beside the ledger names its holder
// (pid, host, since); a second `ferry run` — an overlapping cron tick — refuses to start and
// says who holds it. A lock whose process is gone is taken over, so a crash never wedges a job.
// "Gone" includes a zombie (killed, not yet reaped by its parent: `kill(pid, 0)` still succeeds
// on it for as long as the parent waits) and a pid that now belongs to another process.

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
  const startTime = processStartTime(process.pid);
  const holder: RunLockHolder = { pid: process.pid, host: hostname(), since: Date.now(), ...(startTime === undefined ? {} : { startTime }) };
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

/** The holder of a job's run lock while that run is alive (for `status`'s rate); else undefined. */
export function liveRunHolder(lockFile: string): RunLockHolder | undefined {
  const holder = readHolder(lockFile);
  return holder && isAlive(holder) ? holder : undefined;
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
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'number') {
      return { pid: parsed.pid, host: parsed.host, since: parsed.since, ...(typeof parsed.startTime === 'string' ? { startTime: parsed.startTime } : {}) };
    }
  } catch {
    // unreadable or half-written: treated as stale
  }
  return undefined;
}

/** A holder on another host cannot be checked from here, so it counts as alive. */
export function isAlive(holder: RunLockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(holder.pid);
  if (stat === undefined) return true; // no /proc (not Linux): the signal check is all there is
  // Z: a zombie, X: dead — killed, only waiting for its parent to reap it.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return holder.startTime === undefined || holder.startTime === stat.startTime;
}

export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** State and start time of a process from Linux's /proc/<pid>/stat; undefined elsewhere. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  // The fields after it start at field 3 (state); starttime is field 22.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[22 - 3];
  return state && startTime ? { state, startTime } : undefined;
}
