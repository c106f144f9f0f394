// `ferry run` and `ferry work` start with heap settings that bound their memory (bin/heap-flags.js):
// the process re-executes itself once with them (same pid, so signals and exit codes are the
// run's own), unless the operator chose heap sizes; short commands start as they are.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEAP_ENV, HEAP_FLAGS, heapEnvFor, heapFlagsFor } from '../../bin/heap-flags.js';
import { runFerry } from '../helpers/cli.ts';

/** A preload that reports each start of the process: its pid and V8 flags. */
function startReporter(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ferry-heap-')), 'report-start.mjs');
  writeFileSync(file, `process.stderr.write('START ' + JSON.stringify({ pid: process.pid, execArgv: process.execArgv, arenas: process.env.MALLOC_ARENA_MAX ?? null }) + '\\n');\n`);
  return file;
}

interface Start {
  pid: number;
  execArgv: string[];
  arenas: string | null;
}

function starts(stderr: string): Start[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('START '))
    .map((line) => JSON.parse(line.slice(6)) as Start);
}

describe('heap settings of long-running commands', () => {
  it('are given to run and work only, and never over the operator\'s own', () => {
    expect(heapFlagsFor(['node', 'ferry', 'run', 'job.json'], [])).toEqual(HEAP_FLAGS);
    expect(heapFlagsFor(['node', 'ferry', 'work'], [])).toEqual(HEAP_FLAGS);
    expect(heapFlagsFor(['node', 'ferry', 'status', 'job.json'], [])).toEqual([]);
    expect(heapFlagsFor(['node', 'ferry', 'run', 'job.json'], ['--max-semi-space-size=16'])).toEqual([]);
    expect(heapFlagsFor(['node', 'ferry', 'run', 'job.json'], [], '--max_semi_space_size=16')).toEqual([]);
    expect(heapFlagsFor(['node', 'ferry', 'run', 'job.json'], [], '--max-heap-size=512')).toEqual([]);
    expect(heapEnvFor({ PATH: '/bin' })).toEqual({ PATH: '/bin', ...HEAP_ENV });
    expect(heapEnvFor({ MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX).toBe('8');
  });

  it('`ferry run` re-executes itself once with them, in the same process, and keeps its exit code', async () => {
    const result = await runFerry(['run', '/nonexistent/job.json'], { env: { NODE_OPTIONS: `--import=${startReporter()}` } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the job file does not exist');
    const seen = starts(result.stderr);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.pid).toBe(seen[0]!.pid);
    expect(seen[1]!.execArgv).toEqual(expect.arrayContaining([...HEAP_FLAGS]));
    expect(seen[0]!.arenas).toBeNull();
    expect(seen[1]!.arenas).toBe(HEAP_ENV.MALLOC_ARENA_MAX);
  });

  it('a short command starts once, as it is', async () => {
    const result = await runFerry(['validate', '/nonexistent/job.json'], { env: { NODE_OPTIONS: `--import=${startReporter()}` } });
    expect(result.code).toBe(2);
    expect(starts(result.stderr)).toHaveLength(1);
  });
});
