// ferry verify and reconcile against the destination itself: after a run, the sandbox is
// tampered with — an asset deleted, an item's asset made at the platform while the ledger still
// says pending (a submit whose answer was lost), a second copy of one item, a gallery member
// removed, another added twice, an asset with a key the job no longer plans. verify lists
// exactly those; reconcile --apply --delete-duplicates repairs what can be attributed; after the
// next run, verify is clean but for what ferry cannot attribute.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { referenceId } from '../../src/targets/cincopa/referenceId.ts';
import { fetchToEnd, ok, ridOf } from '../helpers/cincopaApi.ts';
import { runFerry } from '../helpers/cli.ts';
import { assetsByReference, galleryMembers } from '../helpers/inventory.ts';
import { makeJobDir } from '../helpers/jobDir.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: 5 } });
});
afterAll(async () => {
  await sandbox?.close();
});

interface Report {
  clean: boolean;
  findings: JsonFinding[];
}
interface JsonFinding {
  kind: string;
  key: string;
  remoteIds: string[];
  detail: string;
  outcome?: string;
}

describe('ferry verify and reconcile', () => {
  it('names exactly what was tampered with, repairs it, and is clean afterwards', { timeout: 120_000 }, async () => {
    const endpoint = { url: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken };
    const row = (id: string) => ({ id, url: `${sandbox.origin.url}/gen/verify-${id}.mp4?size=${3000 + id.length}`, title: `Title ${id}` });
    const rows = ['a', 'b', 'c', 'd', 'e', 'f'].map(row);
    const job = makeJobDir({ cincopaUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, rows, name: 'verified', job: { target: { type: 'cincopa', mode: 'from_url', gallery: { name: 'verified gallery' } } } });
    const ferry = (...args: string[]) => runFerry([...args, job.jobFile, '--config', job.configFile]);
    expect((await ferry('run')).code).toBe(0);
    const clean = await ferry('verify', '--json');
    expect(clean.code, clean.stderr).toBe(0);
    expect((JSON.parse(clean.stdout) as Report).clean).toBe(true);

    const asset = (key: string) => assetsByReference(sandbox.inventory(), 'ferry:verified:').get(`ferry:verified:${key}`)![0]!;
    const fid = sandbox.inventory().cincopa.galleries.find((gallery) => gallery.name === 'verified gallery')!.fid;
    // a: deleted at the platform → missing.
    await ok(endpoint, 'asset.delete', { rid: asset('a').rid });
    // b: a second copy with the same reference id → duplicate.
    const copy = ridOf(await fetchToEnd(endpoint, sandbox.origin.url, 'verify-b.mp4', 3001));
    await ok(endpoint, 'asset.set_meta', { rid: copy, reference_id: referenceId('verified', 'b', 0), caption: 'Title b' });
    // c: removed from the gallery; d: in the gallery twice → mismatch.
    await ok(endpoint, 'gallery.remove_item', { fid, rid: asset('c').rid });
    await ok(endpoint, 'gallery.add_item', { fid, rid: asset('d').rid });
    // g: a new manifest row, planned but not run, whose asset already exists (a lost answer) → unrecorded.
    writeFileSync(path.join(job.dir, 'items.csv'), `id,url,title\n${[...rows, row('g')].map((entry) => `${entry.id},${entry.url},${entry.title}`).join('\n')}\n`);
    expect((await ferry('run', '--plan-only')).code).toBe(0);
    const early = ridOf(await fetchToEnd(endpoint, sandbox.origin.url, 'verify-g.mp4', 3001));
    await ok(endpoint, 'asset.set_meta', { rid: early, reference_id: referenceId('verified', 'g', 0), caption: 'Title g' });
    // z: an asset labelled with a key the job does not plan → unrecorded, not attributable.
    const stray = ridOf(await fetchToEnd(endpoint, sandbox.origin.url, 'verify-z.mp4', 10));
    await ok(endpoint, 'asset.set_meta', { rid: stray, reference_id: referenceId('verified', 'z', 0) });

    const verify = await ferry('verify', '--json');
    expect(verify.code, verify.stderr).toBe(1);
    const parsed = JSON.parse(verify.stdout) as Omit<Report, 'findings'> & { findings: JsonFinding[] };
    const findings = parsed.findings;
    const byKey = Object.fromEntries(findings.map((finding) => [`${finding.kind}:${finding.key}`, finding]));
    expect(Object.keys(byKey).sort()).toEqual(['duplicate:b', 'mismatch:c', 'mismatch:d', 'missing:a', 'unrecorded:g', 'unrecorded:z']);
    // The copy the ledger knows is kept (listed first); the new one is the extra.
    expect(byKey['duplicate:b']!.remoteIds).toHaveLength(2);
    expect(byKey['duplicate:b']!.remoteIds[1]).toBe(copy);
    expect(byKey['mismatch:c']!.detail).toMatch(/not in the job's gallery/);
    expect(byKey['mismatch:d']!.detail).toMatch(/2 times/);
    expect(parsed.clean).toBe(false);

    // The text form says the same, one finding per line.
    const text = await ferry('verify');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/missing 1, unrecorded 2, duplicate 1, mismatch 2/);

    // A dry run changes nothing.
    const dry = await ferry('reconcile');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: 4 repairs planned, 2 reported only/);
    expect((await ferry('verify')).code).toBe(1);

    const applied = await ferry('reconcile', '--apply', '--delete-duplicates');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/5 repairs applied, 0 failed, 1 reported only/);
    const rerun = await ferry('run');
    expect(rerun.code, rerun.stderr).toBe(0);

    const after = await ferry('verify', '--json');
    const remaining = (JSON.parse(after.stdout) as { findings: JsonFinding[] }).findings;
    // Only the stray asset of a key the job does not plan is left: ferry never deletes what it cannot attribute.
    expect(remaining.map((finding) => `${finding.kind}:${finding.key}`)).toEqual(['unrecorded:z']);
    const inventory = sandbox.inventory();
    const byReference = assetsByReference(inventory, 'ferry:verified:');
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) expect(byReference.get(`ferry:verified:${key}`), key).toHaveLength(1);
    expect(byReference.get('ferry:verified:g')![0]!.rid).toBe(early);
    const members = galleryMembers(inventory, 'verified gallery');
    expect(members.length).toBe(new Set(members).size);
    expect(members.length).toBe(7);
  });
});
