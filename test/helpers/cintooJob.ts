// A throw-away folder with a config, a Cintoo job file and the files it uploads, for
// end-to-end runs of the CLI against an in-process Cintoo sandbox, and readers of what the
// emulated Cintoo then holds.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InventoryFile, Sandbox } from '../../src/sandbox/index.ts';
import type { JobDir } from './jobDir.ts';

export interface CintooJobOptions {
  sandbox: Sandbox;
  name: string;
  /** Files under the glob root: relative path → bytes. */
  files: Record<string, Buffer>;
  /** Shared by every job of one sandbox, as on an operator's machine: one chain of token pairs. */
  tokenFile: string;
  target?: Record<string, unknown>;
  cintoo?: Record<string, unknown>;
  runner?: Record<string, unknown>;
  source?: Record<string, unknown>;
}

export interface CintooJob extends JobDir {
  root: string;
}

/** A token file for all the jobs of one sandbox. */
export function sharedTokenFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'ferry-cintoo-tokens-')), 'cintoo-tokens.json');
}

export function makeCintooJob(options: CintooJobOptions): CintooJob {
  const cintoo = options.sandbox.cintoo!;
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-cintoo-e2e-'));
  const root = path.join(dir, 'files');
  mkdirSync(root);
  for (const [relative, data] of Object.entries(options.files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), data);
  }
  const job = {
    name: options.name,
    source: { type: 'glob', root: 'files', include: ['**/*'], ...options.source },
    target: { type: 'cintoo', account: cintoo.accountId, project: cintoo.projectId, workzonePath: options.name, ...options.target },
  };
  const config = {
    cintoo: { baseUrl: cintoo.url, refreshToken: cintoo.refreshToken, tokenFile: options.tokenFile, stallTimeoutMs: 5_000, ...options.cintoo },
    runner: { concurrency: 4, backoffBaseMs: 50, backoffMaxMs: 500, progressIntervalMs: 1_000, ...options.runner },
  };
  const jobFile = path.join(dir, `${options.name}.json`);
  const configFile = path.join(dir, 'ferry.config.json');
  writeFileSync(jobFile, JSON.stringify(job, null, 2));
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { dir, root, jobFile, configFile, ledgerFile: path.join(dir, '.ferry', `${options.name}.sqlite`) };
}

export const md5Hex = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** Files of the work zones whose path starts with `zonePath` (the zone itself and below). */
export function filesUnder(sandbox: Sandbox, zonePath: string): InventoryFile[] {
  return sandbox.inventory().cintoo!.files.filter((file) => file.workzonePath === zonePath || file.workzonePath.startsWith(`${zonePath}/`));
}

/** Live work zones sharing a parent and a name: a create that was not idempotent. */
export function twinWorkzones(sandbox: Sandbox): string[] {
  const seen = new Map<string, { path: string; count: number }>();
  for (const zone of sandbox.inventory().cintoo!.workzones) {
    if (zone.isDeleted || zone.parentId === null) continue;
    const key = `${zone.parentId}/${zone.name}`;
    seen.set(key, { path: zone.path, count: (seen.get(key)?.count ?? 0) + 1 });
  }
  return [...seen.values()].filter(({ count }) => count > 1).map(({ path: zonePath, count }) => `work zone "${zonePath}" ${count} times`);
}

/** Seeded bytes: a file's content from its name and size, the same in every run. */
export function seededFile(name: string, size: number): Buffer {
  const data = Buffer.alloc(Math.ceil(size / 4) * 4);
  let state = createHash('md5').update(name).digest().readUInt32LE(0) || 1;
  for (let index = 0; index < data.length; index += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data.writeUInt32LE(state >>> 0, index);
  }
  return data.subarray(0, size);
}
