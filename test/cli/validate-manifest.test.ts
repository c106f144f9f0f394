// What `ferry validate` and a run's plan say about manifest rows the target would refuse and
// about conflicting repeats of a key — and that checking files offline needs no credentials.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.ts';

function jobWith(csv: string, target: Record<string, unknown> = { type: 'cincopa', mode: 'from_url' }): { dir: string; job: string; manifest: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-validate-'));
  const manifest = path.join(dir, 'items.csv');
  writeFileSync(manifest, csv);
  const job = path.join(dir, 'job.json');
  writeFileSync(job, JSON.stringify({ source: { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url', title: 'title' } }, target }));
  return { dir, job, manifest };
}

const rows = [
  'id,url,title',
  'a,https://x.example/a.mp4,A',
  'b,https://x.example/b.mp4,B',
  '   ',
  'a,https://x.example/a.mp4,A',
  'a,https://x.example/other.mp4,A',
  `long,https://x.example/long.mp4,${'t'.repeat(300)}`,
  'js,javascript:alert(1),J',
  'b,https://x.example/b.mp4,Another title',
];

describe('ferry validate on manifest rows', () => {
  it('offline, without any token: names rejected rows and conflicting repeats with the row that stands', async () => {
    const { job, manifest } = jobWith(`${rows.join('\n')}\n`);
    const result = await runFerry(['validate', job, '--offline']);
    expect(result.stderr).not.toMatch(/token/i);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const out = result.stdout;
    expect(out).toContain(`manifest: ${manifest}: 2 items, 2 rejected rows, 2 duplicate keys (2 conflicting repeats)`);
    expect(out).toContain(`rejected ${manifest}:7: the title is 300 characters long, over the limit of 255`);
    expect(out).toContain(`rejected ${manifest}:8: the source "javascript:alert(1)" is not an http(s) URL`);
    expect(out).toContain(`conflict ${manifest}:6: key "a" repeats ${manifest}:2 with another source; ${manifest}:2 stands, this row is ignored`);
    expect(out).toContain(`conflict ${manifest}:9: key "b" repeats ${manifest}:3 with another title; ${manifest}:3 stands, this row is ignored`);
    expect(out).not.toContain(':4:'); // the blank line is no row
    expect(out).toContain('target and sources: not checked (--offline)');
  });

  it('offline, without any token: a clean manifest is valid, and says the token will be needed to run', async () => {
    const { job } = jobWith('id,url,title\na,https://x.example/a.mp4,A\n');
    const result = await runFerry(['validate', job, '--offline']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('credentials: Cincopa API token not set (CINCOPA_API_TOKEN); a run will need it');
    expect(result.stdout).toContain('valid as far as checked');
  });

  it('a run names conflicting repeats in its plan summary and log', async () => {
    const { job, manifest } = jobWith(`${rows.join('\n')}\n`);
    const result = await runFerry(['run', job, '--plan-only', '--log-level', 'warn']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 new, 0 changed, 0 unchanged, 2 duplicate keys (2 conflicting repeats: the first row of a key stands, each is named in the log), 2 rejected rows');
    const warnings = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; key?: string; origin?: string; standing?: string; differs?: string[] });
    expect(warnings).toContainEqual(expect.objectContaining({ msg: 'conflicting repeat of a key in the manifest: ignored, the first row stands', key: 'a', origin: `${manifest}:6`, standing: `${manifest}:2`, differs: ['source'] }));
    expect(warnings).toContainEqual(expect.objectContaining({ key: 'b', origin: `${manifest}:9`, standing: `${manifest}:3`, differs: ['title'] }));
  });
});
