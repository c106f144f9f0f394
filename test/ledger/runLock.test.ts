import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { acquireRunLock } from '../../src/ledger/runLock.ts';
import { waitFor } from '../helpers/wait.ts';

const ledger = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'ferry-lock-')), 'job.sqlite');
const lockOf = (file: string): string => `${file}.lock`;

describe('run lock', () => {
  it('refuses a second holder while the first lives, naming pid, host and since', async () => {
    const file = ledger();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(`${file}.lock`, JSON.stringify({ pid: child.pid, host: hostname(), since: Date.parse('2026-11-24T01:02:03Z') }));
      const error = await acquireRunLock(lockOf(file)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(`this job is already running: pid ${child.pid} on host ${hostname()} since 2026-11-24T01:02:03.000Z`);
    } finally {
      child.kill();
    }
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const file = ledger();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: 1 }));
    const lock = await acquireRunLock(lockOf(file));
    expect(lock.tookOverFrom?.since).toBe(1);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
    await expect(acquireRunLock(lockOf(file))).rejects.toThrow(/already running/);
    await lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    const again = await acquireRunLock(lockOf(file));
    await again.release();
  });

  // `kill -9` leaves the holder a zombie until its parent reaps it, and kill(pid, 0) succeeds
  // on a zombie. Here the holder's parent is a shell that exec'd `sleep`, which never reaps.
  it.skipIf(process.platform !== 'linux')('takes over from a holder that was SIGKILLed and is still a zombie', async () => {
    const file = ledger();
    const holderScript = path.resolve(import.meta.dirname, '../fixtures/hold-run-lock.ts');
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${holderScript}" "${file}" & echo $!; exec sleep 120`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      shell.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => /^\d+\n/.test(output) && existsSync(`${file}.lock`), 'the holder to take the lock');
      const holderPid = Number(output.split('\n')[0]);
      expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(holderPid);
      process.kill(holderPid, 'SIGKILL');
      await waitFor(() => procState(holderPid) === 'Z', 'the killed holder to become a zombie');

      const lock = await acquireRunLock(lockOf(file));
      expect(lock.tookOverFrom?.pid).toBe(holderPid);
      await lock.release();
    } finally {
      shell.kill('SIGKILL');
      await once(shell, 'close');
    }
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse)', async () => {
    const file = ledger();
    // This very process is alive, but it started at another time than the lock's holder did.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), since: 1, startTime: 'not-this-process' }));
    const lock = await acquireRunLock(lockOf(file));
    expect(lock.tookOverFrom?.since).toBe(1);
    await lock.release();
  });

  it('records what identifies its holder across pid reuse, and refuses while that holder lives', async () => {
    const file = ledger();
    const lock = await acquireRunLock(lockOf(file));
    const recorded = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { startTime?: string };
    if (process.platform === 'linux') expect(recorded.startTime).toMatch(/^\d+$/);
    await expect(acquireRunLock(lockOf(file))).rejects.toThrow(/already running/);
    await lock.release();
  });
});

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

