// ferry verify and reconcile on a Cintoo job: after a run, a file is deleted at Cintoo (as an
// operator could in the web app), a second copy of another is registered, and a file the job
// planned but never ran appears in the work zone (a register whose answer was lost). verify names
// each; reconcile requeues the missing one and adopts the unrecorded one; Cintoo's API cannot
// delete, so the twin is reported for deletion by hand; once it is gone, verify is clean.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { CintooClient, declare, putBlob } from '../helpers/cintoo.ts';
import { filesUnder, makeCintooJob, seededFile, sharedTokenFile } from '../helpers/cintooJob.ts';
import { runFerry } from '../helpers/cli.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'] });
});
afterAll(async () => {
  await sandbox?.close();
});

interface JsonFinding {
  kind: string;
  key: string;
  remoteIds: string[];
  repair: string;
}

describe('ferry verify and reconcile on Cintoo', () => {
  it('names the deleted, the twin and the unrecorded file, repairs what the API allows, and is clean after the twin is deleted', { timeout: 120_000 }, async () => {
    const files = { 'a.e57': seededFile('a.e57', 4_000), 'b.e57': seededFile('b.e57', 5_000), 'c.las': seededFile('c.las', 3_000) };
    const job = makeCintooJob({ sandbox, name: 'verify', files, tokenFile: sharedTokenFile() });
    const ferry = (...args: string[]) => runFerry([...args, job.jobFile, '--config', job.configFile]);
    expect((await ferry('run')).code).toBe(0);
    const clean = await ferry('verify');
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/3 items in the ledger, \d+ objects at the destination; clean/);

    const state = sandbox.cintoo!.state;
    const zone = [...state.workzones.values()].find((entry) => entry.name === 'verify' && !entry.isDeleted)!;
    const client = new CintooClient(sandbox.cintoo!);
    const fileNamed = (name: string) => [...state.files.values()].filter((file) => file.workzoneId === zone.id && file.name === name);
    // a.e57 deleted at Cintoo → missing.
    state.files.delete(fileNamed('a.e57')[0]!.id);
    // b.e57 registered a second time → a twin file (Cintoo's re-register makes one).
    expect((await client.register([declare('b.e57', files['b.e57'])], zone.id)).status).toBe(200);
    expect(fileNamed('b.e57')).toHaveLength(2);
    // d.e57 planned, then made at Cintoo before the run (a register whose answer was lost) → unrecorded.
    const d = seededFile('d.e57', 2_500);
    writeFileSync(path.join(job.root, 'd.e57'), d);
    expect((await ferry('run', '--plan-only')).code).toBe(0);
    const signed = await client.sign([declare('d.e57', d)], zone.id);
    expect((await putBlob(signed.files[0]!.url, d)).status).toBe(201);
    expect((await client.register([declare('d.e57', d)], zone.id)).status).toBe(200);
    const early = fileNamed('d.e57')[0]!.id;

    const verify = await ferry('verify', '--json');
    expect(verify.code, verify.stderr).toBe(1);
    const findings = (JSON.parse(verify.stdout) as { findings: JsonFinding[] }).findings;
    expect(findings.map((finding) => `${finding.kind}:${finding.key}`).sort()).toEqual(['duplicate:b.e57', 'missing:a.e57', 'unrecorded:d.e57']);
    const twin = findings.find((finding) => finding.kind === 'duplicate')!;
    expect(twin.repair).toMatch(/no call that deletes a file.*by hand/);

    const applied = await ferry('reconcile', '--apply', '--delete-duplicates');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/2 repairs applied, 0 failed, 1 reported only/);
    const bytesBefore = sandbox.inventory().cintoo!.storageBytesReceived;
    const rerun = await ferry('run');
    expect(rerun.code, rerun.stderr).toBe(0);
    // a.e57 went up again; d.e57 was adopted, not uploaded.
    expect(sandbox.inventory().cintoo!.storageBytesReceived - bytesBefore).toBeLessThan(4_000 + 2_500);
    expect(fileNamed('d.e57').map((file) => file.id)).toEqual([early]);
    expect(fileNamed('a.e57')).toHaveLength(1);

    // The operator deletes the twin in Cintoo's web app (the extra copy verify named).
    state.files.delete(twin.remoteIds[1]!.replace(/^urn:cintoo:file:/, ''));
    const after = await ferry('verify');
    expect(after.code, after.stdout).toBe(0);
    expect(filesUnder(sandbox, 'verify').map((file) => file.name).sort()).toEqual(['a.e57', 'b.e57', 'c.las', 'd.e57']);
  });
});
