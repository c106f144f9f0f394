// The factory picks the backend by the form of the location, and hands back a store that says
// which coordination policies apply. Opening connects nothing yet (a PostgreSQL store connects
// in migrate()), so these run without a server.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerNotFoundError } from '../../src/ledger/errors.ts';
import { isPostgresLocation, locationPassword } from '../../src/ledger/location.ts';
import { openLedger } from '../../src/ledger/open.ts';

describe('openLedger', () => {
  it('opens a file path as a SQLite ledger: one machine, a run lock, leases by this process', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-open-')), 'job.sqlite');
    const store = await openLedger(file, { job: 'nightly' });
    try {
      expect(store).toMatchObject({ job: 'nightly', location: file, policies: { runLockFile: `${file}.lock`, reclaimLeasesAtStart: true, leaseClock: 'process' } });
    } finally {
      await store.close();
    }
  });

  it('opens postgres:// and postgresql:// URLs as a shared ledger, the password masked in its location', async () => {
    for (const url of ['postgres://ferry:s3cret-pass@db.example.com:5432/ferry', 'postgresql://ferry:s3cret-pass@db.example.com/ferry']) {
      const store = await openLedger(url, { job: 'nightly', poolSize: 2 });
      try {
        expect(store.policies).toEqual({ runLockFile: undefined, reclaimLeasesAtStart: false, leaseClock: 'database' });
        expect(store.location).not.toContain('s3cret-pass');
        expect(store.location).toContain('ferry:***@db.example.com');
      } finally {
        await store.close();
      }
    }
  });

  it('refuses to create a SQLite ledger for a read-side verb', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-open-')), 'missing.sqlite');
    await expect(openLedger(file, { job: 'missing', create: false })).rejects.toBeInstanceOf(LedgerNotFoundError);
    expect(existsSync(file)).toBe(false);
  });

  it('tells locations apart and finds a URL\'s password, to be masked', () => {
    expect(isPostgresLocation('postgres://h/db')).toBe(true);
    expect(isPostgresLocation('POSTGRESQL://h/db')).toBe(true);
    expect(isPostgresLocation('/var/lib/ferry/postgres.sqlite')).toBe(false);
    expect(isPostgresLocation('postgres.sqlite')).toBe(false);
    expect(locationPassword('postgres://u:p%40ss%2Fword@h/db')).toBe('p@ss/word');
    expect(locationPassword('postgres://u@h/db')).toBeUndefined();
    expect(locationPassword('/tmp/x.sqlite')).toBeUndefined();
  });
});
