// Runs one measured process. Node children get bench/lib/usage-probe.js, so the figures are the
// process's own (peak RSS, CPU) and wall time is taken around the whole process, start-up
// included. Other tools (curl, rclone, wrk) only get wall time.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const PROBE = pathToFileURL(path.join(import.meta.dirname, 'usage-probe.js')).href;

export interface Measured {
  seconds: number;
  stdout: string;
  stderr: string;
}

export interface MeasuredNode extends Measured {
  peakRssMb: number;
  cpuMs: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `command args`; throws with its output unless it exits 0. */
export async function measure(command: string, args: readonly string[], options: RunOptions = {}): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`);
  return { seconds, stdout, stderr };
}

/** Runs a Node script with the usage probe; its peak RSS and CPU come from its own exit line. */
export async function measureNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<MeasuredNode> {
  const measured = await measure(process.execPath, ['--import', PROBE, script, ...args], options);
  const line = /BENCH_USAGE (\{.*\})/.exec(measured.stderr);
  if (!line) throw new Error(`${script} printed no usage line:\n${measured.stderr.slice(-4000)}`);
  const usage = JSON.parse(line[1]!) as { maxRssKb: number; userUs: number; systemUs: number };
  return { ...measured, peakRssMb: Math.round(usage.maxRssKb / 1024), cpuMs: (usage.userUs + usage.systemUs) / 1000 };
}
