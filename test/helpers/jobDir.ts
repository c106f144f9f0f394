// Builds a throw-away folder with a config, a job file and a CSV manifest for end-to-end runs
// of the CLI against an in-process sandbox.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface JobDir {
  dir: string;
  jobFile: string;
  configFile: string;
  ledgerFile: string;
}

export interface JobDirOptions {
  cincopaUrl: string;
  apiToken: string;
  rows: Record<string, string>[];
  job?: Record<string, unknown>;
  config?: Record<string, unknown>;
  name?: string;
}

export function makeJobDir(options: JobDirOptions): JobDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-e2e-'));
  const name = options.name ?? 'e2e';
  const headers = Object.keys(options.rows[0] ?? { id: '', url: '' });
  const csv = [headers.join(','), ...options.rows.map((row) => headers.map((header) => csvCell(row[header] ?? '')).join(','))].join('\n');
  writeFileSync(path.join(dir, 'items.csv'), `${csv}\n`);
  const job = {
    name,
    source: { type: 'csv', path: 'items.csv', columns: { key: 'id', source: 'url', title: 'title' } },
    target: { type: 'cincopa', mode: 'from_url', gallery: { name: 'e2e gallery' } },
    ...options.job,
  };
  const config = {
    cincopa: { apiUrl: options.cincopaUrl, apiToken: options.apiToken, pollIntervalMs: 50, submitGraceMs: 1_500 },
    runner: { backoffBaseMs: 50, backoffMaxMs: 500, progressIntervalMs: 1000 },
    ...options.config,
  };
  const jobFile = path.join(dir, `${name}.json`);
  const configFile = path.join(dir, 'ferry.config.json');
  writeFileSync(jobFile, JSON.stringify(job, null, 2));
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { dir, jobFile, configFile, ledgerFile: path.join(dir, '.ferry', `${name}.sqlite`) };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
