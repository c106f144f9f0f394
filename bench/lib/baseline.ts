// The previous release, built beside this checkout: `git archive <rev>` into
// bench/.baseline/<sha> (git-ignored), `npm ci` there once (its prepare script builds it), and
// reused by later runs. Prepared in a .tmp folder and renamed at the end, so an interrupted
// preparation is never mistaken for a finished one.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measure } from './child.ts';
import type { FerryBuild } from './ferry.ts';

export async function prepareBaseline(root: string, rev: string, progress: (line: string) => void): Promise<FerryBuild> {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const dir = path.join(root, 'bench', '.baseline', sha);
  const build = { label: `previous release ${sha.startsWith(rev) ? sha.slice(0, 7) : `${rev} (${sha.slice(0, 7)})`}`, root: dir };
  if (existsSync(path.join(dir, '.bench-ready'))) return build;
  const staging = `${dir}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  progress(`preparing ${build.label}: git archive and npm ci in ${staging} (once; cached)`);
  await measure('sh', ['-c', `git archive ${sha} | tar -x -C "${staging}"`], { cwd: root });
  await measure('npm', ['ci', '--no-audit', '--no-fund'], { cwd: staging });
  writeFileSync(path.join(staging, '.bench-ready'), `${sha}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return build;
}
