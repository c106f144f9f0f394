// Bad input for Cintoo, through the CLI. A problem with the job itself — an unknown account,
// project or work zone, a deleted one — stops the run with exit 2 and the fix, before anything
// is uploaded. A problem with one file — empty, a name over 255 characters, no extension, a
// format Cintoo does not take, a file that vanished or changed between hashing and upload — fails
// that row with its reason; the other files go on, and nothing done is lost.

import { randomUUID } from 'node:crypto';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, reportRows, runFerry, type ReportRow } from '../helpers/cli.ts';
import { filesUnder, makeCintooJob, seededFile, sharedTokenFile } from '../helpers/cintooJob.ts';
import { waitFor } from '../helpers/wait.ts';

let sandbox: Sandbox;
let tokens: string;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'] });
  tokens = sharedTokenFile();
});
afterAll(async () => {
  await sandbox?.close();
});

const report = async (job: { jobFile: string; configFile: string }): Promise<Map<string, ReportRow>> => new Map((await reportRows(job)).map((row) => [row.key, row]));

describe('Cintoo job-level problems (exit 2 with the fix, nothing uploaded)', () => {
  // [what, the job's target, the message, whether `ferry validate` is asked too (same code path: a few suffice)]
  const cases: [string, () => Record<string, unknown>, RegExp, boolean?][] = [
    ['an unknown account', () => ({ account: `urn:cintoo:account:${randomUUID()}` }), /target\.account: account urn:cintoo:account:\S+ was not found\. Fix: use an id or URN from GET \/api\/2\/accounts/, true],
    ['an unknown project', () => ({ project: randomUUID() }), /target\.project: project \S+ was not found\. Fix: /],
    ['a work zone URN given as the project', () => ({ project: sandbox.cintoo!.rootWorkzoneId }), /target\.project: project \S+ is not a valid project id or URN .*invalid-project-urn/],
    ['a deleted project', () => ({ project: sandbox.inventory().cintoo!.projects.find((project) => project.isDeleted)!.id }), /target\.project: project \S+ \("Sandbox Project"\) is deleted in Cintoo\. Fix: choose a live project/],
    ['an unknown work zone', () => ({ workzone: `urn:cintoo:workzone:${randomUUID()}` }), /target\.workzone: work zone \S+ is not in project .* Fix: /],
    ['a deleted work zone', () => ({ workzone: sandbox.inventory().cintoo!.workzones.find((zone) => zone.isDeleted && zone.name === 'Site A')!.id }), /target\.workzone: work zone \S+ \("Site A"\) is deleted in Cintoo\. Fix: choose a live work zone/, true],
    ['a missing path that may not be created', () => ({ workzonePath: 'Nowhere/Deep', createWorkzones: false }), /target\.workzonePath: work zone path "Nowhere\/Deep" does not exist .* Fix: /, true],
  ];
  for (const [what, target, message, validateToo] of cases) {
    it(`${what}: the run${validateToo ? ' and validate' : ''} say${validateToo ? '' : 's'} what to fix`, async () => {
      const before = sandbox.journal.count({ route: 'POST bulk-files' });
      const job = makeCintooJob({ sandbox, name: 'jobproblem', files: { 'a.e57': seededFile('a', 1_000) }, tokenFile: tokens, target: { ...target(), workzonePath: undefined, ...target() } });
      const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain(job.jobFile);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      if (validateToo) {
        const validate = await runFerry(['validate', job.jobFile, '--config', job.configFile]);
        expect(validate.code).toBe(2);
        expect(validate.stderr).toMatch(message);
      }
      expect(sandbox.journal.count({ route: 'POST bulk-files' })).toBe(before);
    });
  }

  it('a folder mapping needs a folder source', async () => {
    const job = makeCintooJob({ sandbox, name: 'csvfolders', files: {}, tokenFile: tokens, target: { folders: 'workzones' }, source: { type: 'csv', path: 'x.csv', columns: { source: 'file' }, root: undefined, include: undefined } });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/target\.folders: maps the top-level folders of a glob source, but this job reads a CSV manifest\. Fix: /);
  });
});

describe('Cintoo row-level problems', () => {
  it('rejects a row whose file name is over 255 characters when planning (no file system holds one; a CSV can name it)', async () => {
    const job = makeCintooJob({ sandbox, name: 'longname', files: { 'ok.e57': seededFile('ok', 2_000) }, tokenFile: tokens, source: { type: 'csv', path: 'files/list.csv', columns: { source: 'file' }, root: undefined, include: undefined } });
    writeFileSync(path.join(job.root, 'list.csv'), `file\nok.e57\n${'é'.repeat(252)}.e57\n`);
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('done 1  skipped 0  failed 1');
    const rows = [...(await report(job)).values()];
    expect(rows.find((row) => row.state === 'failed')?.error).toMatch(/list\.csv:3: the file name is 256 characters long; Cintoo takes at most 255\. Fix: rename the file/);
  });

  it('fails each bad file with its reason, uploads the others, and loses nothing done', { timeout: 90_000 }, async () => {
    const files: Record<string, Buffer> = {
      'good-1.e57': seededFile('good-1', 30_000),
      'good-2.las': seededFile('good-2', 12_000),
      'empty.e57': Buffer.alloc(0),
      noext: seededFile('noext', 1_000),
      'scan.zfs': seededFile('zfs', 1_000),
      'model.xyz': seededFile('xyz', 1_000),
      'vanish.e57': seededFile('vanish', 8_000),
      'grow.e57': seededFile('grow', 9_000),
    };
    const job = makeCintooJob({ sandbox, name: 'rows', files, tokenFile: tokens, runner: { backoffBaseMs: 100, backoffMaxMs: 300, maxAttempts: 50 } });

    // Signing is held (every sign call reset) until the files are hashed; then two of them
    // change under the run: one is deleted, one grows.
    sandbox.faults.clear();
    const hold = sandbox.faults.add({ service: 'cintoo', route: 'POST bulk-files', kind: 'reset' });
    const child = spawn(process.execPath, [FERRY_BIN, 'run', job.jobFile, '--config', job.configFile, '--log-level', 'warn'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => {
        const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
        return status.code === 0 && (JSON.parse(status.stdout) as { counts: Record<string, number> }).counts.hashed === 4;
      }, 'the four good-looking files hashed', 60_000, 100);
    } finally {
      rmSync(path.join(job.root, 'vanish.e57'));
      appendFileSync(path.join(job.root, 'grow.e57'), 'more bytes');
      sandbox.faults.remove(hold);
    }
    const code = await exited;
    expect(code, stdout).toBe(1);
    expect(stdout).toContain('done 2  skipped 0  failed 6');

    const rows = await report(job);
    const reason = (key: string): string => `${rows.get(key)?.state}: ${rows.get(key)?.error}`;
    expect(reason('good-1.e57')).toMatch(/^done/);
    expect(reason('good-2.las')).toMatch(/^done/);
    expect(reason('empty.e57')).toMatch(/^failed: .*empty\.e57: the file is empty \(0 bytes\); Cintoo does not take empty files/);
    expect(reason('noext')).toMatch(/^failed: .*has no extension/);
    expect(reason('scan.zfs')).toMatch(/^failed: Cintoo does not take \.zfs files .* through its API/);
    expect(reason('model.xyz')).toMatch(/^failed: Cintoo does not know the format \.xyz/);
    expect(reason('vanish.e57')).toMatch(/^failed: the file .*vanish\.e57 is gone/);
    expect(reason('grow.e57')).toMatch(/^failed: the file .*grow\.e57 changed size since it was hashed \(9000 → 9010 bytes\)\. Fix: run the job again/);
    expect(filesUnder(sandbox, 'rows').map((file) => file.name).sort()).toEqual(['good-1.e57', 'good-2.las']);

    // Fixed on disk and run again: the two changed files go up, the done ones are not touched.
    writeFileSync(path.join(job.root, 'vanish.e57'), seededFile('vanish', 8_000));
    const uploads = sandbox.journal.count({ service: 'azurite' });
    const again = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(again.code).toBe(1); // the rows that are bad as files stay failed
    expect(again.stdout).toMatch(/0 new, 2 changed, \d+ unchanged/);
    expect(sandbox.journal.count({ service: 'azurite' }) - uploads).toBe(2);
    expect(filesUnder(sandbox, 'rows').map((file) => file.name).sort()).toEqual(['good-1.e57', 'good-2.las', 'grow.e57', 'vanish.e57']);
    expect(sandbox.inventory().cintoo!.duplicates).toEqual([]);
  });
});
