// `npm start` is the first thing a new user runs: the bundled demo job against the in-process
// sandbox must finish with every item done, and show what the platform now holds.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.ts';

describe('the bundled demo (npm start)', () => {
  it('uploads the twelve demo videos into the demo gallery and says so', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const result = await runFerry(['run', 'jobs/demo.json', '--sandbox'], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/planned in [\d.]+ s(?: \([\d,]+ rows\/s\))?: 12 new/);
    expect(result.stdout).toContain('done 12  skipped 0  failed 0  not finished 0  (total 12)');
    expect(result.stdout).toMatch(/gallery "ferry demo" \([^)]+\): 12 assets/);
    expect(result.stdout.match(/ferry:demo:demo-\d{3}/g)).toHaveLength(12);
  });
});
