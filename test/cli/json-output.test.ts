// --json on run and validate: exactly one JSON document on stdout, the same facts as the text
// summary, logs on stderr; a failure is one JSON document too (and the usual message on stderr).
// And `ferry schema`, which prints the committed editor schemas.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandFailure } from '../../src/app/commandSummary.ts';
import type { RunSummary } from '../../src/app/runSummary.ts';
import type { ValidateSummary } from '../../src/app/validateSummary.ts';
import { runFerry } from '../helpers/cli.ts';

const root = path.resolve(import.meta.dirname, '../..');

function jobWith(csv: string): { job: string; manifest: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-json-'));
  const manifest = path.join(dir, 'items.csv');
  writeFileSync(manifest, csv);
  const job = path.join(dir, 'job.json');
  writeFileSync(job, JSON.stringify({ name: 'scripted', source: { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url' } }, target: { type: 'cincopa', mode: 'from_url' } }));
  return { job, manifest };
}

const csv = 'id,url\na,https://x.example/a.mp4\nb,https://x.example/b.mp4\nbad,javascript:alert(1)\n';

describe('--json', () => {
  it('validate: one document with the manifest findings; exit code as in the document', async () => {
    const { job, manifest } = jobWith(csv);
    const result = await runFerry(['validate', job, '--offline', '--json']);
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout) as ValidateSummary;
    expect(result.code).toBe(1);
    expect(summary).toMatchObject({ command: 'validate', job: 'scripted', jobFile: job, exitCode: 1, valid: false, offline: true, config: null });
    expect(summary.manifest).toMatchObject({ description: expect.stringContaining(manifest), items: 2, rejected: 1, duplicates: 0, conflicts: 0 });
    expect(summary.manifest.rejectedRows).toEqual([expect.stringMatching(new RegExp(`^${manifest}:4: the source "javascript:alert\\(1\\)" is not an http\\(s\\) URL`))]);
    expect(summary.credentials).toEqual([{ label: 'Cincopa API token', env: 'CINCOPA_API_TOKEN', set: false }]);
    expect(summary.sources.checked).toBe(false);
    expect(summary.target).toEqual({ type: 'cincopa', checked: false, findings: [] });
  });

  it('run --plan-only: one document with the plan counts and no items', async () => {
    const { job } = jobWith(csv);
    const result = await runFerry(['run', job, '--plan-only', '--json', '--log-level', 'warn']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary).toMatchObject({ command: 'run', job: 'scripted', exitCode: 0, outcome: 'planned', items: null });
    expect(summary.plan).toMatchObject({ added: 2, changed: 0, unchanged: 0, duplicates: 0, conflicts: 0, rejected: 1, rows: 3 });
    expect(summary.plan!.ms).toBeGreaterThanOrEqual(0);
  });

  it('a file problem: one document naming the error and exit code 2, and the message on stderr', async () => {
    const { job } = jobWith(csv);
    writeFileSync(job, '{\n  "source": {},\n  "target": { "type": "cincopa" },\n  "chnagePolicy": "ignore"\n}');
    for (const verb of [['validate', '--offline'], ['run']]) {
      const result = await runFerry([verb[0]!, job, ...verb.slice(1), '--json']);
      expect(result.code).toBe(2);
      const failure = JSON.parse(result.stdout) as CommandFailure;
      expect(failure).toEqual({ command: verb[0], jobFile: job, exitCode: 2, error: expect.stringMatching(new RegExp(`^${job}:2: invalid job file: .*chnagePolicy is not a known key`)) });
      expect(result.stderr).toBe(`ferry: ${failure.error}\n`);
    }
  });
});

describe('ferry schema', () => {
  it.each(['job', 'config'])('prints the committed schemas/%s.schema.json', async (kind) => {
    const result = await runFerry(['schema', kind]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(readFileSync(path.join(root, 'schemas', `${kind}.schema.json`), 'utf8'));
  });

  it('refuses an unknown kind with the choices', async () => {
    const result = await runFerry(['schema', 'manifest']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/job, config/);
  });
});
