// A lean production install (`npm install --omit=optional`) leaves azurite and its telemetry and
// gRPC packages out: ferry must still run jobs, validate them and print schemas, and only the
// sandbox's Cintoo emulator must say what is missing (exit 2). The install is made the way npm
// makes it — every package the lockfile marks optional left out — from hard links to this
// checkout's files, so the test needs no network and takes seconds. The sandbox the lean ferry
// uploads to runs here, from the full install, as an operator's would run elsewhere.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/app/runSummary.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv } from '../helpers/cli.ts';
import { makeJobDir } from '../helpers/jobDir.ts';

const root = path.resolve(import.meta.dirname, '../..');
let lean: string;
let sandbox: Sandbox;

/** `cp -al` (hard links, instant) where the temp folder shares the checkout's file system; a real copy elsewhere. */
function copyInto(target: string, entry: string): void {
  const from = path.join(root, entry);
  if (!existsSync(from)) return;
  const linked = spawnSync('cp', ['-al', from, target]);
  if (linked.status !== 0) {
    const copied = spawnSync('cp', ['-a', from, target]);
    if (copied.status !== 0) throw new Error(`could not copy ${entry}: ${copied.stderr.toString()}`);
  }
}

/** Runs the lean install's ferry (asynchronously: the sandbox it talks to lives in this process). */
function leanFerry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(lean, 'bin', 'ferry.js'), ...args], { cwd: lean, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  lean = mkdtempSync(path.join(tmpdir(), 'ferry-lean-'));
  for (const entry of ['bin', 'src', 'dist', 'jobs', 'schemas', 'package.json', 'package-lock.json', 'node_modules']) copyInto(lean, entry);
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { optional?: boolean }> };
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location !== '' && entry.optional) rmSync(path.join(lean, location), { recursive: true, force: true });
  }
  sandbox = await startSandbox({ services: ['cincopa', 'origin'] });
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  if (lean) rmSync(lean, { recursive: true, force: true });
});

describe('a lean install (npm install --omit=optional)', () => {
  it('has no azurite', () => {
    expect(existsSync(path.join(lean, 'node_modules', 'azurite'))).toBe(false);
    expect(existsSync(path.join(lean, 'node_modules', 'prom-client'))).toBe(true);
  });

  it('runs a job against a sandbox started from a full install', async () => {
    const job = makeJobDir({
      name: 'lean',
      cincopaUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      rows: [0, 1, 2].map((index) => ({ id: `k${index}`, url: `${sandbox.origin.url}/gen/lean-${index}.mp4?size=${1_000 + index}`, title: `lean ${index}` })),
    });
    const validated = await leanFerry(['validate', job.jobFile, '--config', job.configFile, '--json']);
    expect(validated.code, validated.stderr).toBe(0);
    const result = await leanFerry(['run', job.jobFile, '--config', job.configFile, '--json', '--log-level', 'warn']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.items).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect((await leanFerry(['schema', 'job'])).stdout).toBe(readFileSync(path.join(root, 'schemas', 'job.schema.json'), 'utf8'));
  });

  it('ferry sandbox says what is missing and how to install it, and exits 2 without starting anything', async () => {
    const result = await leanFerry(['sandbox', '--port', '4790']);
    expect(result.code).toBe(2);
    const message = result.stderr.trim();
    expect(message).toMatch(/Cintoo emulator needs the optional package azurite/);
    expect(message).toContain(`Fix: in ${lean} run \`npm install --include=optional\``);
    expect(message.split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});
