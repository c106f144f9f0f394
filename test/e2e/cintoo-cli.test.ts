// Cintoo through the other verbs and options: `ferry validate` checks Cintoo for real (login,
// account, project, work zone, the formats of the manifest's extensions) and changes nothing;
// hashing happens once per file content; `npm start` runs the Cintoo demo after the Cincopa one
// and prints what the emulated Cintoo holds. (`--max-rate`: max-rate.test.ts.)

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { makeCintooJob, seededFile, sharedTokenFile } from '../helpers/cintooJob.ts';

let sandbox: Sandbox;
let tokens: string;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'] });
  tokens = sharedTokenFile();
});
afterAll(async () => {
  await sandbox?.close();
});

describe('ferry validate on a Cintoo job', () => {
  it('checks login, destination and formats at Cintoo, creates and uploads nothing', async () => {
    const job = makeCintooJob({
      sandbox,
      name: 'checked',
      files: { 'Site A/a.e57': seededFile('a', 1_000), 'Site A/b.E57': seededFile('b', 1_000), 'c.pdf': seededFile('c', 1_000), 'd.zfs': seededFile('d', 1_000) },
      tokenFile: tokens,
      target: { workzonePath: 'Validated/Deeper', folders: 'workzones' },
    });
    const zonesBefore = sandbox.inventory().cintoo!.workzones.length;
    const result = await runFerry(['validate', job.jobFile, '--config', job.configFile]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('target: cintoo login accepted (GET /api/isLogged)');
    expect(result.stdout).toMatch(/target: account urn:cintoo:account:\S+ \(Sandbox Surveying Ltd\)/);
    expect(result.stdout).toMatch(/target: project urn:cintoo:project:\S+ \("Sandbox Project"\)/);
    expect(result.stdout).toContain('target: work zone path "Validated/Deeper" does not exist yet below "Sandbox Project"; the run will create it');
    expect(result.stdout).toContain('target: formats: .e57 ×2 accepted');
    expect(result.stdout).toContain('target: formats: .pdf ×1 accepted');
    expect(result.stdout).toMatch(/target: formats: \.zfs ×1 would fail: Cintoo does not take \.zfs files .*d\.zfs/);
    expect(result.stdout).toContain('problems found');
    expect(sandbox.inventory().cintoo!.workzones).toHaveLength(zonesBefore);
    expect(sandbox.journal.count({ route: 'POST bulk-files' })).toBe(0);
  });

  it('passes a job whose files Cintoo all takes', async () => {
    const job = makeCintooJob({ sandbox, name: 'fine', files: { 'a.las': seededFile('a', 1_000) }, tokenFile: tokens });
    const result = await runFerry(['validate', job.jobFile, '--config', job.configFile]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('valid: nothing was uploaded');
  });
});

describe('hashing', () => {
  it('never hashes an unchanged file twice: not after a failure and ferry retry; a changed file is hashed anew', { timeout: 60_000 }, async () => {
    const job = makeCintooJob({ sandbox, name: 'hashonce', files: { 'a.e57': seededFile('h1', 40_000), 'b.e57': seededFile('h2', 50_000) }, tokenFile: tokens });
    const hashed = (stderr: string): number => stderr.split('\n').filter((line) => line.includes('"msg":"hashed"')).length;
    sandbox.faults.clear();
    sandbox.faults.add({ service: 'cintoo', route: 'POST bulk-files', kind: 'status', status: 400 });
    const refused = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'debug']);
    sandbox.faults.clear();
    expect(refused.code).toBe(1);
    expect(hashed(refused.stderr)).toBe(2);
    expect((await runFerry(['retry', job.jobFile, '--config', job.configFile])).code).toBe(0);
    const retried = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'debug']);
    expect(retried.code, retried.stderr.slice(-2000)).toBe(0);
    expect(hashed(retried.stderr)).toBe(0);
    writeFileSync(path.join(job.root, 'a.e57'), seededFile('h1-changed', 41_000));
    const changed = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'debug']);
    expect(changed.code).toBe(0);
    expect(hashed(changed.stderr)).toBe(1);
  });
});

describe('the bundled Cintoo demo (npm start, after the Cincopa demo)', () => {
  it('scans the sample folder into work zones of the emulated Cintoo and prints what it holds', { timeout: 60_000 }, async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start).toBe('node bin/ferry.js run jobs/demo.json --sandbox && node bin/ferry.js run jobs/demo-cintoo.json --sandbox');
    // The demo's ports: run it only once the file's own sandbox (free ports) is not in the way.
    const result = await runFerry(['run', 'jobs/demo-cintoo.json', '--sandbox'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('done 7  skipped 0  failed 0  not finished 0  (total 7)');
    expect(result.stdout).toContain('sandbox Cintoo now holds 7 files');
    expect(result.stdout).toContain('work zone "Site A": 3 files');
    expect(result.stdout).toContain('work zone "Site B": 3 files');
    expect(result.stdout).toContain('work zone "(root)": 1 files');
    expect(result.stdout).toMatch(/urn:cintoo:file:\S+ {2}level-1\.e57 {2}\(24000 bytes, scan, md5 [0-9a-f]{32}\)/);
  });
});
