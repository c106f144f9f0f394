// A Cintoo run through the CLI with faults everywhere: a folder of small files (one Put Blob
// each) and files above the block threshold (lowered here), two site folders mapped onto work
// zones, and resets mid-block, 5xx, 429, a stalled block, an expired upload URL and a 401 mid-run
// (with access tokens that also expire during the run). Every file must end registered exactly
// once in its work zone, storage must hold exactly the source's bytes (Azurite's MD5), and
// `ferry report` must be what the sandbox holds.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { reportRows, runFerry } from '../helpers/cli.ts';
import { filesUnder, makeCintooJob, md5Hex, seededFile, sharedTokenFile, twinWorkzones } from '../helpers/cintooJob.ts';
import { faultSchedule, useSeed } from '../helpers/seed.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  // Access tokens live 4 s: the run refreshes ahead of expiry several times on top of the 401.
  sandbox = await startSandbox({ services: ['cintoo'], cintoo: { accessTokenTtlSec: 4 } });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('Cintoo under faults', () => {
  it('registers every file exactly once, in the right work zone, with the source bytes in storage', { timeout: 120_000 }, async () => {
    const seeded = useSeed();
    const files: Record<string, Buffer> = {};
    for (let index = 0; index < 8; index++) files[`Site A/scan-${index}.las`] = seededFile(`a${index}-${seeded.seed}`, 3_000 + seeded.between(0, 60_000));
    for (let index = 0; index < 3; index++) files[`Site B/big-${index}.e57`] = seededFile(`b${index}-${seeded.seed}`, 700_000 + seeded.between(0, 300_000));
    files['overview.pdf'] = seededFile(`o-${seeded.seed}`, 12_345);
    const job = makeCintooJob({
      sandbox,
      name: 'faults',
      files,
      tokenFile: sharedTokenFile(),
      target: { folders: 'workzones' },
      // Blocks of 64 KiB above 256 kB: the big files are 11-16 blocks each.
      cintoo: { blockThresholdBytes: 256_000, blockSizeBytes: 65_536, blocksInFlight: 4, stallTimeoutMs: 1_500 },
      runner: { concurrency: 4, maxAttempts: 12, backoffBaseMs: 50, backoffMaxMs: 400 },
    });

    sandbox.faults.clear();
    for (const rule of [
      // Resets in the middle of blocks (seeded which ones), a stalled block, storage pushing back.
      ...faultSchedule(seeded, { service: 'azurite', route: 'PutBlock', kind: 'reset', afterBytes: 30_000 }, 0.15, 40),
      { service: 'azurite' as const, route: 'PutBlock', kind: 'stall' as const, afterBytes: 10_000, stallMs: 6_000, after: 5, times: 1 },
      { service: 'azurite' as const, route: 'PutBlock', kind: 'rate-limit' as const, retryAfterSec: 0.3, after: 9, times: 1 },
      // 5xx on Put Blob and on sign, a 429 on register.
      { service: 'azurite' as const, route: 'PutBlob', kind: 'status' as const, status: 500, times: 2 },
      { service: 'cintoo' as const, route: 'POST bulk-files', kind: 'status' as const, status: 502, times: 1 },
      { service: 'cintoo' as const, route: 'PUT bulk-files', kind: 'rate-limit' as const, retryAfterSec: 0.3, times: 1 },
      // The second sign call hands out URLs that are already dead (their SAS says so), and
      // storage refuses one upload as an expired SAS would (403).
      { service: 'cintoo' as const, route: 'POST bulk-files', kind: 'expired-url' as const, after: 1, times: 1 },
      { service: 'azurite' as const, route: 'PutBlob', kind: 'auth' as const, after: 3, times: 1 },
      // The access token refused mid-run (revoked early): one refresh, one retry.
      { service: 'cintoo' as const, route: 'PUT bulk-files', kind: 'auth' as const, after: 1, times: 1 },
    ]) {
      sandbox.faults.add(rule);
    }

    const run = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'info'], { timeoutMs: 110_000 });
    const faults = sandbox.faults.list();
    sandbox.faults.clear();
    expect(run.code, `seed ${seeded.seed}\n${run.stderr.slice(-4000)}`).toBe(0);
    expect(run.stderr).not.toMatch(/unexpected error in a step|item driver crashed|a defect/);

    // The faults fired: the test proves something.
    const journal = sandbox.journal;
    const fired = (route: string, fault: string): number => journal.entries({ route }).filter((entry) => entry.fault?.includes(fault)).length;
    expect(fired('PutBlock', 'reset'), `seed ${seeded.seed}`).toBeGreaterThan(0);
    expect(fired('PutBlock', 'stall')).toBe(1);
    expect(fired('PutBlob', 'status')).toBe(2);
    expect(fired('POST bulk-files', 'expired-url')).toBe(1);
    expect(fired('PUT bulk-files', 'auth')).toBe(1);
    expect(faults.every((rule) => rule.kind !== 'expired-url' || rule.used === 1)).toBe(true);
    // The dead URLs were seen dead before any byte went to them, and signed again; the URL
    // storage refused (403) was signed again too.
    expect(run.stderr).toMatch(/the upload URL expires too soon to start a transfer; signing again/);
    expect(journal.entries({ service: 'azurite' }).filter((entry) => entry.status === 403)).toHaveLength(1);
    expect(run.stderr).toMatch(/storage refused the upload URL; signing the file again/);
    // Tokens were refreshed during the run (ahead of expiry, and after the 401), never refused.
    const refreshes = journal.entries({ route: 'POST /oauth/token' });
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    expect(refreshes.filter((entry) => entry.status !== 200)).toEqual([]);

    // Every file once, in the work zone of its folder, with the source's bytes in storage.
    const inventory = sandbox.inventory().cintoo!;
    const ours = filesUnder(sandbox, 'faults');
    expect(ours).toHaveLength(Object.keys(files).length);
    expect(inventory.duplicates).toEqual([]);
    expect(twinWorkzones(sandbox)).toEqual([]);
    for (const [relative, data] of Object.entries(files)) {
      const zone = relative.includes('/') ? `faults/${relative.split('/')[0]}` : 'faults';
      const matches = ours.filter((file) => file.name === path.basename(relative));
      expect(matches.map((file) => file.workzonePath), relative).toEqual([zone]);
      expect(matches[0]!.md5).toBe(md5Hex(data));
      const stored = await sandbox.cintoo!.blobProperties(matches[0]!.blobName);
      expect(stored, relative).toEqual({ size: data.length, md5: md5Hex(readFileSync(path.join(job.root, relative))) });
    }

    // The report is the platform: one row per file, its remote id the file's URN.
    const rows = await reportRows(job);
    expect(rows.map((row) => row.state)).toEqual(rows.map(() => 'done'));
    expect(new Map(rows.map((row) => [row.key, row.remote_id]))).toEqual(new Map(Object.keys(files).map((relative) => [relative, ours.find((file) => file.name === path.basename(relative))!.id])));
    expect(rows.some((row) => row.attempts > 0)).toBe(true);
  });
});
