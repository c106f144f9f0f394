// Runs the real `ferry` CLI as a child process, as an operator would.

import { spawn } from 'node:child_process';
import path from 'node:path';

export const FERRY_BIN = path.resolve(import.meta.dirname, '../../bin/ferry.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runFerry(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY_BIN, ...args], {
      cwd: options.cwd,
      env: { ...cleanEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The test runner's environment minus anything that would change ferry's behaviour. */
/** One row of `ferry report --format json` (JSON lines), the fields tests look at. */
export interface ReportRow {
  key: string;
  state: string;
  error: string | null;
  remote_id: string | null;
  attempts: number;
}

/** The job's report as rows; a report that does not exit 0 throws with its stderr. */
export async function reportRows(job: { jobFile: string; configFile: string }): Promise<ReportRow[]> {
  const result = await runFerry(['report', job.jobFile, '--config', job.configFile, '--format', 'json']);
  if (result.code !== 0) throw new Error(`ferry report exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as ReportRow);
}

export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['CINCOPA_API_TOKEN', 'CINTOO_REFRESH_TOKEN', 'FERRY_CONFIG', 'NODE_OPTIONS']) delete env[key];
  return env;
}
