// Cintoo's two upload paths — one Put Blob per file, and Azure blocks above the threshold (lowered
// here) — each held to the target conformance suite (conformance.ts). Each job uploads into its
// own work zone, named after the job and created by the run, so a lost answer on the work-zone
// create is tested too.

import type { Sandbox } from '../../src/sandbox/index.ts';
import { filesUnder, makeCintooJob, seededFile, sharedTokenFile, twinWorkzones } from '../helpers/cintooJob.ts';
import { targetConformance, type TargetUnderTest } from './conformance.ts';

/** Platform ids per item key: the job's files are in the work zone named after it, keyed by file name. */
function holdings(sandbox: Sandbox, job: string): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const file of filesUnder(sandbox, job)) byKey.set(file.name, [...(byKey.get(file.name) ?? []), file.id]);
  return byKey;
}

/** Twin files (same work zone, name and size) of this job, and twin work zones anywhere. */
function doubles(sandbox: Sandbox, job: string): string[] {
  const lines = sandbox
    .inventory()
    .cintoo!.duplicates.filter((group) => group.workzonePath === job)
    .map((group) => `${group.workzonePath}/${group.name} registered ${group.fileIds.length} times`);
  return [...lines, ...twinWorkzones(sandbox)];
}

const quick = { concurrency: 3, backoffBaseMs: 20, backoffMaxMs: 200, maxAttempts: 10 };

function cintooPath(name: string, fileSize: number, cintoo: Record<string, unknown>): Pick<TargetUnderTest, 'name' | 'makeJob'> {
  const tokens = sharedTokenFile();
  return {
    name,
    makeJob: (sandbox, job, count, runner) => {
      const files: Record<string, Buffer> = {};
      for (let index = 0; index < count; index++) files[`${job}-${index}.e57`] = seededFile(`${job}-${index}`, fileSize + index * 1_001);
      return makeCintooJob({ sandbox, name: job, files, tokenFile: tokens, cintoo, runner: { ...quick, ...runner } });
    },
  };
}

const common = {
  sandbox: { services: ['cintoo'] as 'cintoo'[] },
  holdings,
  doubles,
  // A 401 on every API call (token refresh included) from the 9th on: a refused refresh mid-run.
  authMidRun: { service: 'cintoo' as const, route: '*', kind: 'auth' as const, after: 8 },
};

const putBlob: TargetUnderTest = {
  ...common,
  ...cintooPath('cintoo put blob', 20_000, {}),
  transient: [
    { service: 'cintoo', route: 'POST bulk-files', kind: 'status', status: 503, times: 2 },
    { service: 'cintoo', route: 'PUT bulk-files', kind: 'rate-limit', retryAfterSec: 0.2, times: 2 },
    { service: 'azurite', route: 'PutBlob', kind: 'reset', times: 2 },
    { service: 'azurite', route: 'PutBlob', kind: 'status', status: 500, after: 3, times: 1 },
  ],
  holdIn: [
    { state: 'hashed', fault: { service: 'cintoo', route: 'POST bulk-files', kind: 'reset' } },
    { state: 'signed', fault: { service: 'azurite', route: 'PutBlob', kind: 'reset' } },
    { state: 'uploaded', fault: { service: 'cintoo', route: 'PUT bulk-files', kind: 'reset' } },
  ],
  lostAnswers: [
    { service: 'cintoo', route: 'PUT bulk-files', kind: 'lost-response', times: 2 },
    { service: 'cintoo', route: 'POST workzones', kind: 'lost-response', times: 1 },
    { service: 'cintoo', route: 'POST bulk-files', kind: 'lost-response', times: 1 },
    { service: 'azurite', route: 'PutBlob', kind: 'lost-response', times: 2 },
  ],
};

const blocks: TargetUnderTest = {
  ...common,
  // 200-205 kB files as 64 KiB blocks (4 per file), two blocks in flight for the run.
  ...cintooPath('cintoo blocks', 200_000, { blockThresholdBytes: 100_000, blockSizeBytes: 65_536, blocksInFlight: 2 }),
  transient: [
    { service: 'cintoo', route: 'POST bulk-files', kind: 'status', status: 503, times: 2 },
    { service: 'azurite', route: 'PutBlock', kind: 'reset', afterBytes: 30_000, times: 3 },
    { service: 'azurite', route: 'PutBlock', kind: 'rate-limit', retryAfterSec: 0.2, after: 5, times: 1 },
    { service: 'azurite', route: 'PutBlockList', kind: 'status', status: 500, times: 1 },
  ],
  holdIn: [
    { state: 'hashed', fault: { service: 'cintoo', route: 'POST bulk-files', kind: 'reset' } },
    { state: 'uploading', fault: { service: 'azurite', route: 'PutBlock', kind: 'reset', after: 2 } },
    { state: 'uploaded', fault: { service: 'cintoo', route: 'PUT bulk-files', kind: 'reset' } },
  ],
  lostAnswers: [
    { service: 'cintoo', route: 'PUT bulk-files', kind: 'lost-response', times: 2 },
    { service: 'azurite', route: 'PutBlock', kind: 'lost-response', times: 2 },
    { service: 'azurite', route: 'PutBlockList', kind: 'lost-response', times: 2 },
  ],
};

targetConformance(putBlob);
targetConformance(blocks);
