// ferry as the benchmarks run it: a build (this checkout, or the previous release from
// baseline.ts) driven through its CLI as a child process against an in-process sandbox, with
// job and config files written per run — each run its own job name, so Cincopa reference ids
// never let one run find another's assets.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { measure, measureNode, type MeasuredNode } from './child.ts';

export interface FerryBuild {
  label: string;
  root: string;
}

/** Builds `root` (npm run build) unless dist/ was built from its sources as they are now. */
export async function ensureBuilt(build: FerryBuild, progress: (line: string) => void): Promise<void> {
  const digestModule = path.join(build.root, 'bin', 'source-digest.js');
  const stamp = path.join(build.root, 'dist', '.built');
  const { sourceDigest } = (await import(pathToFileURL(digestModule).href)) as { sourceDigest(): string };
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourceDigest()) return;
  progress(`building ${build.label} (npm run build in ${build.root})`);
  await measure('npm', ['run', 'build'], { cwd: build.root });
}

export interface JobFiles {
  dir: string;
  job: string;
  config: string;
}

/** Writes `<dir>/<name>.json` and its config (ledger inside `dir`). */
export function writeJob(dir: string, name: string, job: Record<string, unknown>, config: Record<string, unknown>): JobFiles {
  mkdirSync(dir, { recursive: true });
  const files = { dir, job: path.join(dir, `${name}.json`), config: path.join(dir, `${name}.config.json`) };
  writeFileSync(files.job, JSON.stringify({ name, ...job }));
  writeFileSync(files.config, JSON.stringify({ ledger: { dir: path.join(dir, 'ledger') }, ...config }));
  return files;
}

/** `ferry run <job>` of one build, errors only in its log; throws unless it exits 0. */
export function runFerry(build: FerryBuild, files: JobFiles, extraArgs: readonly string[] = ['--log-level', 'error']): Promise<MeasuredNode> {
  return measureNode(path.join(build.root, 'bin', 'ferry.js'), ['run', files.job, '--config', files.config, ...extraArgs], { cwd: files.dir });
}
