// A SIGKILL in the middle of a big file's block upload, then the same command again: the resumed
// run continues from the blocks storage acknowledged (ferry's own record: the signed URLs are
// write-only, Get Block List is refused) and sends less than half of the file again — counted
// at the storage, by the sandbox's byte meter.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, runFerry } from '../helpers/cli.ts';
import { filesUnder, makeCintooJob, md5Hex, seededFile, sharedTokenFile } from '../helpers/cintooJob.ts';
import { useSeed } from '../helpers/seed.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'] });
});
afterAll(async () => {
  await sandbox?.close();
});

const BLOCK = 256 * 1024;
const SIZE = 24 * BLOCK - 1_000;

describe('Cintoo block upload resume', () => {
  it('resumes a killed block upload, sending less than half of the file again', { timeout: 90_000 }, async () => {
    const seeded = useSeed();
    const data = seededFile(`big-${seeded.seed}`, SIZE);
    const job = makeCintooJob({
      sandbox,
      name: 'resume',
      files: { 'big.e57': data, 'small.las': seededFile('small', 5_000) },
      tokenFile: sharedTokenFile(),
      cintoo: { blockThresholdBytes: 1_000_000, blockSizeBytes: BLOCK, blocksInFlight: 2 },
      // Slow enough (1.5 MB/s for the run) that the kill lands mid-file on a loaded machine too.
      runner: { maxBytesPerSecond: 1_500_000 },
    });
    expect(sandbox.cintoo!.settings.blobSasPermissions).toBe('cw');
    const blobs = (): { bytes: number; acked: number } => {
      const ours = sandbox.inventory().cintoo!.blobs.filter((blob) => blob.name === 'big.e57');
      const names = new Set(ours.map((blob) => blob.blobName));
      const acked = sandbox.journal.entries({ route: 'PutBlock' }).filter((entry) => entry.status === 201 && names.has(entry.params.blob ?? '')).length;
      return { bytes: ours.reduce((sum, blob) => sum + blob.bytesReceived, 0), acked };
    };

    // Killed after a seeded number of acknowledged blocks (of 24, past the middle), chosen from
    // observed progress.
    const killAt = seeded.between(13, 20);
    const child = spawn(process.execPath, [FERRY_BIN, 'run', job.jobFile, '--config', job.configFile, '--log-level', 'warn'], { env: cleanEnv(), stdio: 'ignore' });
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const poll = setInterval(() => {
      if (blobs().acked >= killAt) child.kill('SIGKILL');
    }, 5);
    const signal = await exited;
    clearInterval(poll);
    expect(signal, `seed ${seeded.seed}`).toBe('SIGKILL');
    const atKill = blobs();
    expect(atKill.bytes).toBeLessThan(SIZE);

    const status = JSON.parse((await runFerry(['status', job.jobFile, '--config', job.configFile, '--json'])).stdout) as { counts: Record<string, number> };
    expect(status.counts.uploading, `seed ${seeded.seed}`).toBe(1);

    const resumed = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'info'], { timeoutMs: 60_000 });
    expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
    expect(resumed.stderr).toMatch(/resuming the block upload/);
    const sentAgain = blobs().bytes - atKill.bytes;
    expect(sentAgain, `sent again ${sentAgain} of ${SIZE} bytes (kill after ${atKill.acked} blocks, seed ${seeded.seed})`).toBeLessThan(SIZE / 2);
    // The resume did not even repeat the blocks acknowledged before the kill.
    expect(sentAgain).toBeLessThanOrEqual(SIZE - (atKill.acked - 2) * BLOCK + 2_000);

    const [file] = filesUnder(sandbox, 'resume').filter((entry) => entry.name === 'big.e57');
    expect(file?.md5).toBe(md5Hex(data));
    expect(await sandbox.cintoo!.blobProperties(file!.blobName)).toEqual({ size: SIZE, md5: md5Hex(data) });
    expect(sandbox.inventory().cintoo!.duplicates).toEqual([]);
  });
});
