// Folder globs → Cincopa direct upload through the CLI: chunked POSTs with exclusive
// Content-Range ends, checksums verified at the platform, a re-run that uploads only new or
// changed files, and a resume in the middle of a file.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { runFerry } from '../helpers/cli.ts';
import { assetsByReference, galleryMembers } from '../helpers/inventory.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa', 'origin'] });
});
afterAll(async () => {
  await sandbox?.close();
});

const md5 = (file: string): string => createHash('md5').update(readFileSync(file)).digest('hex');

function makeFolderJob(name: string, chunkSizeBytes: number): { dir: string; root: string; jobFile: string; configFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-direct-'));
  const root = path.join(dir, 'outbox');
  mkdirSync(path.join(root, 'day1'), { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({
    name,
    source: { type: 'glob', root: 'outbox', include: ['**/*.mp4'], exclude: ['**/skip/**'] },
    target: { type: 'cincopa', mode: 'direct', gallery: { name: `${name} gallery` } },
  }));
  writeFileSync(path.join(dir, 'ferry.config.json'), JSON.stringify({ cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes }, runner: { backoffBaseMs: 20, backoffMaxMs: 200 } }));
  return { dir, root, jobFile: path.join(dir, `${name}.json`), configFile: path.join(dir, 'ferry.config.json') };
}

describe('ferry run → Cincopa direct upload from a folder', () => {
  it('uploads matching files in chunks, byte-exact, and only new or changed ones on the next run', async () => {
    const job = makeFolderJob('nightly', 100_000);
    const files = { 'day1/a.mp4': 250_000, 'day1/b.mp4': 100_000, 'c.mp4': 1 };
    for (const [name, size] of Object.entries(files)) writeFileSync(path.join(job.root, name), Buffer.alloc(size, name.length + size));
    mkdirSync(path.join(job.root, 'skip'));
    writeFileSync(path.join(job.root, 'skip/ignored.mp4'), 'x');
    writeFileSync(path.join(job.root, 'notes.txt'), 'not a video');
    symlinkSync('/etc/hostname', path.join(job.root, 'escape.mp4'));

    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    // The symlink leading out of the root is refused as a failed item; the others are done.
    expect(run.stdout).toContain('done 3  skipped 0  failed 1');
    expect(run.code).toBe(1);
    const chunks = sandbox.journal.entries({ service: 'cincopa-upload' }).map((entry) => entry.params.range);
    expect(chunks).toEqual(expect.arrayContaining(['bytes 0-100000/250000', 'bytes 100000-200000/250000', 'bytes 200000-250000/250000', 'bytes 0-100000/100000', 'bytes 0-1/1']));

    const byReference = assetsByReference(sandbox.inventory(), 'ferry:nightly:');
    expect([...byReference.keys()].sort()).toEqual(['ferry:nightly:c.mp4', 'ferry:nightly:day1/a.mp4', 'ferry:nightly:day1/b.mp4']);
    for (const [name] of Object.entries(files)) {
      const [asset] = byReference.get(`ferry:nightly:${name}`)!;
      expect(asset!.md5).toBe(md5(path.join(job.root, name)));
    }
    expect(galleryMembers(sandbox.inventory(), 'nightly gallery')).toHaveLength(3);

    // Next night: one new file, one changed file, the rest untouched.
    writeFileSync(path.join(job.root, 'day1/new.mp4'), Buffer.alloc(5_000, 9));
    writeFileSync(path.join(job.root, 'c.mp4'), Buffer.alloc(2, 3));
    utimesSync(path.join(job.root, 'c.mp4'), new Date(), new Date(Date.now() + 5_000));
    const next = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(next.stdout).toContain('1 new, 1 changed, 2 unchanged');
    const after = assetsByReference(sandbox.inventory(), 'ferry:nightly:');
    expect(after.get('ferry:nightly:day1/new.mp4')).toHaveLength(1);
    expect(after.get('ferry:nightly:c.mp4#r1')?.[0]?.md5).toBe(md5(path.join(job.root, 'c.mp4')));
    expect(after.get('ferry:nightly:day1/a.mp4')).toHaveLength(1);
  });

  it('resumes a file from its last acknowledged chunk after a failure mid-file', async () => {
    const job = makeFolderJob('resume', 64 * 1024);
    writeFileSync(path.join(job.root, 'day1/long.mp4'), Buffer.alloc(300_000, 5));
    const before = sandbox.journal.count({ service: 'cincopa-upload' });
    // The third chunk's connection dies once; the retry must continue there, not at byte 0.
    sandbox.faults.add({ service: 'cincopa-upload', route: 'upload', kind: 'reset', after: 2, times: 1 });
    const run = await runFerry(['run', job.jobFile, '--config', job.configFile]);
    expect(run.code, run.stderr).toBe(0);
    const ranges = sandbox.journal.entries({ service: 'cincopa-upload' }).slice(before).map((entry) => entry.params.range);
    expect(ranges.filter((range) => range === 'bytes 0-65536/300000')).toHaveLength(1);
    expect(ranges.filter((range) => range === 'bytes 131072-196608/300000')).toHaveLength(2);
    const [asset] = assetsByReference(sandbox.inventory(), 'ferry:resume:').get('ferry:resume:day1/long.mp4')!;
    expect(asset!.md5).toBe(md5(path.join(job.root, 'day1/long.mp4')));
  });
});
