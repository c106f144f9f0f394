// `ferry validate` on broken job and config files: exit 2 and one paragraph that names the
// file, the key path and the fix — never a stack trace.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ferry-validate-'));
  writeFileSync(path.join(dir, 'items.csv'), 'id,url\na,https://example.invalid/a.mp4\n');
});

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const goodJob = {
  source: { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url' } },
  target: { type: 'cincopa', mode: 'from_url' },
};

async function expectUsageError(args: string[], env: NodeJS.ProcessEnv, ...mustMention: (string | RegExp)[]): Promise<string> {
  return expectUsageErrorFrom(['validate', '--offline', ...args], env, ...mustMention);
}

async function expectUsageErrorFrom(args: string[], env: NodeJS.ProcessEnv, ...mustMention: (string | RegExp)[]): Promise<string> {
  const result = await runFerry(args, { cwd: dir, env });
  expect(result.code, result.stderr).toBe(2);
  const message = result.stderr.trim();
  for (const part of mustMention) expect(message).toMatch(part);
  expect(message).not.toMatch(/\n\s+at /); // no stack trace
  expect(message.split('\n')).toHaveLength(1); // one paragraph
  expect(message).toMatch(/Fix: /);
  return message;
}

describe('ferry validate with broken files', () => {
  it('names a missing key', async () => {
    const job = write('job.json', { target: goodJob.target });
    await expectUsageError([job], { CINCOPA_API_TOKEN: 'tok-123456' }, job, 'source is missing');
  });

  it('names a key of the wrong type', async () => {
    const job = write('job.json', { ...goodJob, runner: { concurrency: '8' } });
    await expectUsageError([job], { CINCOPA_API_TOKEN: 'tok-123456' }, job, 'runner.concurrency must be number', 'a number without quotes');
  });

  it('names an unknown target type and the known ones', async () => {
    const job = write('job.json', { ...goodJob, target: { type: 'vimeo' } });
    await expectUsageError([job], { CINCOPA_API_TOKEN: 'tok-123456' }, job, 'target.type is "vimeo"', '"cincopa" or "cintoo"');
  });

  it('names a misspelt key', async () => {
    const job = write('job.json', { ...goodJob, chnagePolicy: 'ignore' });
    await expectUsageError([job], { CINCOPA_API_TOKEN: 'tok-123456' }, job, 'chnagePolicy is not a known key');
  });

  // Only a check that talks to the platform needs the token (--offline says it is missing, see
  // validate-manifest.test.ts); it is named before anything is contacted.
  it('names the missing secret and its environment variable', async () => {
    const job = write('job.json', goodJob);
    const config = write('ferry.config.json', { cincopa: { apiUrl: 'https://api.example.invalid/v2' } });
    await expectUsageErrorFrom(['validate', job, '--config', config], {}, config, 'cincopa.apiToken', 'CINCOPA_API_TOKEN');
  });

  it('names a manifest file that does not exist', async () => {
    const job = write('job.json', { ...goodJob, source: { ...goodJob.source, path: 'missing.csv' } });
    await expectUsageError([job], { CINCOPA_API_TOKEN: 'tok-123456' }, 'missing.csv');
  });

  it('names a broken config file with its line', async () => {
    const job = write('job.json', goodJob);
    const config = write('bad.config.json', '{\n  "runner": {\n    "concurrency": 4 5\n  }\n}');
    await expectUsageError([job, '--config', config], { CINCOPA_API_TOKEN: 'tok-123456' }, `${config}:3`, 'not valid JSON');
  });

  it('names a job file that does not exist', async () => {
    await expectUsageError([path.join(dir, 'nope.json')], {}, 'nope.json', 'does not exist');
  });

  it('accepts the bundled examples offline', async () => {
    const jobs = path.resolve(import.meta.dirname, '../../jobs');
    const result = await runFerry(['validate', '--offline', path.join(jobs, 'csv-cincopa-from-url.json')], { env: { CINCOPA_API_TOKEN: 'tok-123456' } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('manifest:');
    expect(result.code).toBe(0);
  });
});
