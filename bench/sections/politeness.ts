// Politeness: how many API calls ferry spends per item on each path, counted by the sandbox's
// journal (every request, per route). Counts hardly vary between runs, so each path runs once.
//   from-URL at 30 s processing: status polls per item (adaptive polling: ~7-8 expected);
//   from-URL, 500 items: gallery.add_item calls per 1,000 items (batches of 50: ~20 expected);
//   direct upload and Cintoo: calls per file, and files per Cintoo sign / register call.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSandbox, type Sandbox, type SandboxService } from '../../src/sandbox/index.ts';
import type { Section, SectionContext } from '../lib/context.ts';
import { runFerry, writeJob } from '../lib/ferry.ts';
import { generateFiles, MiB } from '../lib/files.ts';
import type { MemoryEntry } from '../lib/results.ts';
import { markdownTable, num, type Row } from '../lib/table.ts';

interface Counted {
  label: string;
  items: number;
  calls: Record<string, number>;
  peakRssMb: number;
}

export const politeness: Section = async (context) => {
  const { options } = context;
  const slow = await fromUrl(context, { label: 'from-URL, 30 s processing', items: options.quick ? 16 : 64, processingMs: options.quick ? 6_000 : 30_000, fastPolls: false });
  const many = await fromUrl(context, { label: 'from-URL, no processing time', items: options.quick ? 200 : 500, processingMs: 0, fastPolls: true });
  const direct = await directUpload(context, options.quick ? 4 : 10);
  const cintoo = await cintooFiles(context, options.quick ? 60 : 120);
  const per = (counted: Counted, route: string, scale = 1): number => ((counted.calls[route] ?? 0) / counted.items) * scale;
  const rows: Row[] = [
    { figure: `status polls per item (${slow.label}, ${slow.items} items)`, ferry: num(per(slow, 'asset.upload_from_url_get_status'), 2), reference: '—', ratio: '—', aim: '≈ 7–8', rounds: '1 run' },
    { figure: `gallery.add_item calls per 1,000 items (${many.items} items)`, ferry: num(per(many, 'gallery.add_item', 1000), 1), reference: '—', ratio: '—', aim: '≈ 20 (batches of 50)', rounds: '1 run' },
    { figure: `Cintoo files per sign call (POST bulk-files, ${cintoo.items} files)`, ferry: num(cintoo.items / (cintoo.calls['POST bulk-files'] ?? Number.NaN), 1), reference: '—', ratio: '—', aim: '≈ 50 (signBatchSize)', rounds: '1 run' },
    { figure: `Cintoo files per register call (PUT bulk-files, ${cintoo.items} files)`, ferry: num(cintoo.items / (cintoo.calls['PUT bulk-files'] ?? Number.NaN), 1), reference: '—', ratio: '—', aim: '≈ 50 (registerBatchSize)', rounds: '1 run' },
  ];
  const paths = [slow, many, direct, cintoo];
  const routes = (counted: Counted): string => Object.entries(counted.calls).sort(([a], [b]) => a.localeCompare(b)).map(([route, count]) => `${route} ${num(count / counted.items, 2)}`).join('; ');
  const memory: MemoryEntry[] = paths.map((counted) => ({ section: 'politeness', process: `ferry run, ${counted.label}, ${counted.items} items`, peakRssMb: counted.peakRssMb }));
  return {
    name: 'politeness',
    title: 'Politeness',
    method: [
      "API calls counted by the sandbox's journal (every request, per route) during one `ferry run` per path, ferry's default settings unless said: concurrency 64 for from-URL at 30 s processing; the no-processing run polls first after 20 ms to stay short (gallery batching does not depend on it); direct upload in 8 MiB chunks; Cintoo 64 KiB files. Counts are nearly deterministic, so each path runs once; the aims are the designed figures.",
    ],
    rows,
    extra: [
      'Calls per item (per file) by route:',
      markdownTable(['path', 'items', 'calls per item, by route', 'all calls per item'], paths.map((counted) => [counted.label, num(counted.items), routes(counted), num(Object.values(counted.calls).reduce((sum, count) => sum + count, 0) / counted.items, 2)])),
    ],
    memory,
  };
};

async function fromUrl({ work, current, progress }: SectionContext, plan: { label: string; items: number; processingMs: number; fastPolls: boolean }): Promise<Counted> {
  progress(plan.label);
  const sandbox = await startSandbox({ services: ['cincopa', 'origin'], cincopa: { processingMs: plan.processingMs } });
  try {
    const name = `polite-url-${plan.processingMs}`;
    const manifest = path.join(work, `${name}.csv`);
    writeFileSync(manifest, `id,url\n${Array.from({ length: plan.items }, (_, index) => `i${index},${sandbox.origin.url}/gen/i${index}.mp4?size=1024\n`).join('')}`);
    const files = writeJob(path.join(work, name), name, { source: { type: 'csv', path: manifest, columns: { key: 'id', source: 'url' } }, target: { type: 'cincopa', mode: 'from_url', gallery: { name } }, runner: { concurrency: 64 } }, { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, ...(plan.fastPolls ? { pollIntervalMs: 20 } : {}) } });
    const run = await runFerry(current, files);
    return { label: plan.label, items: plan.items, calls: routeCalls(sandbox, 'cincopa'), peakRssMb: run.peakRssMb };
  } finally {
    await sandbox.close();
  }
}

async function directUpload({ work, current, progress }: SectionContext, count: number): Promise<Counted> {
  progress('direct upload');
  const dir = path.join(work, 'direct-files');
  mkdirSync(dir, { recursive: true });
  await generateFiles(dir, 'clip', '.mp4', count, MiB, 4000);
  const sandbox = await startSandbox({ services: ['cincopa'] });
  try {
    const files = writeJob(path.join(work, 'polite-direct'), 'polite-direct', { source: { type: 'glob', root: dir, include: ['*.mp4'] }, target: { type: 'cincopa', mode: 'direct' } }, { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken, chunkSizeBytes: 8 * MiB } });
    const run = await runFerry(current, files);
    const calls = { ...routeCalls(sandbox, 'cincopa'), ...Object.fromEntries(Object.entries(routeCalls(sandbox, 'cincopa-upload')).map(([route, value]) => [`upload ${route}`, value])) };
    return { label: 'Cincopa direct upload, 1 MiB files', items: count, calls, peakRssMb: run.peakRssMb };
  } finally {
    await sandbox.close();
  }
}

async function cintooFiles({ work, current, progress }: SectionContext, count: number): Promise<Counted> {
  progress('Cintoo');
  const dir = path.join(work, 'cintoo-files');
  mkdirSync(dir, { recursive: true });
  await generateFiles(dir, 'scan', '.e57', count, 64 * 1024, 5000);
  const sandbox = await startSandbox({ services: ['cintoo'], cintoo: { storageDir: path.join(work, 'azurite') } });
  try {
    const cintoo = sandbox.cintoo!;
    const jobDir = path.join(work, 'polite-cintoo');
    const files = writeJob(jobDir, 'polite-cintoo', { source: { type: 'glob', root: dir, include: ['*.e57'] }, target: { type: 'cintoo', account: cintoo.accountId, project: cintoo.projectId, workzonePath: 'bench' } }, { cintoo: { baseUrl: cintoo.url, refreshToken: cintoo.refreshToken, tokenFile: path.join(jobDir, 'tokens.json') } });
    const run = await runFerry(current, files);
    return { label: 'Cintoo, 64 KiB files', items: count, calls: routeCalls(sandbox, 'cintoo'), peakRssMb: run.peakRssMb };
  } finally {
    await sandbox.close();
  }
}

function routeCalls(sandbox: Sandbox, service: SandboxService): Record<string, number> {
  return sandbox.journal.calls(service);
}
