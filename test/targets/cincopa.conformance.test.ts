// Cincopa's two upload paths, each held to the target conformance suite (conformance.ts).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../../src/sandbox/index.ts';
import { keyOfReferenceId } from '../../src/targets/cincopa/referenceId.ts';
import { makeJobDir } from '../helpers/jobDir.ts';
import { targetConformance, type TargetUnderTest } from './conformance.ts';

function holdings(sandbox: Sandbox, job: string): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const asset of sandbox.inventory().cincopa.assets) {
    const decoded = keyOfReferenceId(job, asset.reference_id);
    if (!decoded) continue;
    byKey.set(decoded.key, [...(byKey.get(decoded.key) ?? []), asset.rid]);
  }
  return byKey;
}

/** Gallery doubles of this job's assets, and assets of this job's files that carry no label. */
function doubles(sandbox: Sandbox, job: string): string[] {
  const inventory = sandbox.inventory().cincopa;
  const ours = new Set(inventory.assets.filter((asset) => keyOfReferenceId(job, asset.reference_id)).map((asset) => asset.rid));
  const lines = inventory.galleryDoubles.filter((double) => ours.has(double.rid)).map((double) => `gallery ${double.fid} holds ${double.rid} ${double.count} times`);
  for (const asset of inventory.assets) if (!asset.reference_id && asset.filename.startsWith(`${job}-`)) lines.push(`unlabelled asset ${asset.rid} (${asset.filename})`);
  return lines;
}

const quick = { concurrency: 3, backoffBaseMs: 20, backoffMaxMs: 200, maxAttempts: 10 };
const common = {
  sandbox: { services: ['cincopa', 'origin'] as ('cincopa' | 'origin')[], cincopa: { processingMs: 30 } },
  holdings,
  doubles,
  transient: [
    { service: 'cincopa' as const, route: 'asset.set_meta', kind: 'status' as const, status: 503, times: 3 },
    { service: 'cincopa' as const, route: 'gallery.add_item', kind: 'rate-limit' as const, retryAfterSec: 0.2, times: 2 },
    { service: 'cincopa' as const, route: 'asset.list', kind: 'reset' as const, times: 2 },
  ],
  authMidRun: { service: 'cincopa' as const, route: 'asset.set_meta', kind: 'auth' as const },
};

const fromUrl: TargetUnderTest = {
  ...common,
  name: 'cincopa from_url',
  makeJob: (sandbox, name, count, runner) =>
    makeJobDir({
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      name,
      rows: Array.from({ length: count }, (_, index) => ({ id: `k${index}`, url: `${sandbox.origin.url}/gen/${name}-${index}.mp4?size=${1500 + index}`, title: `${name} ${index}` })),
      job: { target: { type: 'cincopa', mode: 'from_url', gallery: { name: `conformance ${name}` } } },
      config: { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, pollIntervalMs: 50, submitGraceMs: 1_500 }, runner: { ...quick, ...runner } },
    }),
  transient: [...common.transient, { service: 'cincopa', route: 'asset.upload_from_url_get_status', kind: 'status', status: 502, times: 3 }],
  holdIn: [
    { state: 'submitted', fault: { service: 'cincopa', route: 'asset.upload_from_url_get_status', kind: 'reset' } },
    { state: 'fetched', fault: { service: 'cincopa', route: 'asset.set_meta', kind: 'reset' } },
    { state: 'described', fault: { service: 'cincopa', route: 'gallery.add_item', kind: 'reset' } },
  ],
  lostAnswers: [
    { service: 'cincopa', route: 'asset.upload_from_url', kind: 'lost-response', times: 2 },
    { service: 'cincopa', route: 'asset.set_meta', kind: 'lost-response', times: 2 },
    { service: 'cincopa', route: 'gallery.add_item', kind: 'lost-response', times: 2 },
  ],
};

const direct: TargetUnderTest = {
  ...common,
  name: 'cincopa direct',
  makeJob: (sandbox, name, count, runner) => {
    const job = makeJobDir({
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      name,
      rows: [],
      job: { source: { type: 'glob', root: 'files', include: ['*.mp4'] }, target: { type: 'cincopa', mode: 'direct', gallery: { name: `conformance ${name}` } } },
      config: { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes: 8_192 }, runner: { ...quick, ...runner } },
    });
    mkdirSync(path.join(job.dir, 'files'));
    // Glob keys are the file names, so the item key is `<name>-<i>.mp4`.
    for (let index = 0; index < count; index++) writeFileSync(path.join(job.dir, 'files', `${name}-${index}.mp4`), Buffer.alloc(20_000 + index, index + 7));
    return job;
  },
  holdIn: [
    { state: 'uploading', fault: { service: 'cincopa-upload', route: 'upload', kind: 'reset', after: 2 } },
    { state: 'uploaded', fault: { service: 'cincopa', route: 'asset.set_meta', kind: 'reset' } },
    { state: 'described', fault: { service: 'cincopa', route: 'gallery.add_item', kind: 'reset' } },
  ],
  lostAnswers: [
    { service: 'cincopa-upload', route: 'upload', kind: 'lost-response', times: 3 },
    { service: 'cincopa', route: 'asset.set_meta', kind: 'lost-response', times: 2 },
    { service: 'cincopa', route: 'gallery.add_item', kind: 'lost-response', times: 2 },
  ],
};

targetConformance(fromUrl);
targetConformance(direct);
