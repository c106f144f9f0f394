import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { acquireRunLock } from '../../src/ledger/runLock.ts';

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
});
