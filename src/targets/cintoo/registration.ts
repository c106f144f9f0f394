// Cintoo's registration: its config section, its job `target` section, its secret, its typed
// remote state and its sandbox wiring. Everything ferry knows about Cintoo outside this folder
// comes through this object.

import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { durationMs, positiveInt } from '../../config/fields.ts';
import { readSecret } from '../../config/secrets.ts';
import { bandwidth } from '../bandwidth.ts';
import { defineTarget } from '../registration.ts';
import { requestBudget } from '../requestBudget.ts';
import { CintooSession, tokenRefresher } from './auth.ts';
import { MAX_BLOCK_BYTES } from './blocks.ts';
import { CintooApi, cintooHttp } from './client.ts';
import { CintooRun } from './context.ts';
import { Destination, splitPath } from './destination.ts';
import { cintooRemoteSchema } from './remote.ts';
import { CINTOO_CAPABILITIES, createCintooTarget } from './target.ts';
import { FileTokenVault } from './tokenVault.ts';
import { SharedTokenVault } from './sharedTokenVault.ts';

const MiB = 1024 * 1024;

const configSchema = z
  .strictObject({
    baseUrl: z.url().default('https://aec.cintoo.com').describe('Cintoo tenant base URL (dedicated tenants: https://<company>.cintoo.cloud).'),
    refreshToken: z
      .string()
      .min(1)
      .optional()
      .describe('First OAuth refresh token, obtained once by signing in to Cintoo in a browser. Prefer the environment variable CINTOO_REFRESH_TOKEN. Used only until ferry has rotated it into tokenFile; a different one given later starts over from it (a new login).'),
    tokenFile: z
      .string()
      .default('.ferry/cintoo-tokens.json')
      .describe('Where ferry keeps the rotated token pair (relative to the config file; mode 0600). Refresh tokens are single use: keep this file, and let every ferry process of this machine use the same one (they take turns refreshing through a lock beside it).'),
    requestTimeoutMs: positiveInt().default(60_000).describe('Timeout of one API request (not of storage transfers: see stallTimeoutMs).'),
    requestsPerSecond: z.number().nonnegative().default(0).describe('Most requests per second to the Cintoo API (token refresh, sign, register, lists; not storage transfers). 0 = no limit. A 429 pauses the run on top of this.'),
    hashConcurrency: positiveInt().default(2).describe('Files hashed (MD5, read from disk) at the same time, apart from the runner\'s upload concurrency.'),
    signBatchSize: positiveInt().max(500).default(50).describe('Files per sign call (POST bulk-files): one signed upload URL each.'),
    registerBatchSize: positiveInt().max(500).default(50).describe('Files per register call (PUT bulk-files).'),
    blockThresholdBytes: positiveInt()
      .max(5000 * MiB)
      .default(256 * MiB)
      .describe('Files larger than this go up as Azure blocks (resumable mid-file); smaller ones in one Put Blob. At most 5000 MiB (the largest Put Blob).'),
    blockSizeBytes: positiveInt()
      .min(64 * 1024)
      .max(MAX_BLOCK_BYTES)
      .default(4 * MiB)
      .describe('Size of one block (a file needing more than 50,000 blocks uses bigger ones). Memory for uploads is at most blockSizeBytes × blocksInFlight.'),
    blocksInFlight: positiveInt().max(64).default(4).describe('Blocks being sent at the same time, over all files of the run (each holds one block in memory).'),
    stallTimeoutMs: positiveInt().default(60_000).describe('A storage transfer that moves no byte for this long is cut and tried again.'),
    resignMarginMs: durationMs()
      .default(5 * 60_000)
      .describe('A signed upload URL with less life than this left is signed again before a transfer starts with it.'),
  })
  .prefault({})
  .describe('Cintoo (reality-capture platform).');

const jobSchema = z
  .strictObject({
    type: z.literal('cintoo'),
    account: z.string().min(1).describe('Account id or URN (urn:cintoo:account:<id>), as GET /api/2/accounts lists it.'),
    project: z.string().min(1).describe('Project id or URN, as GET /api/2/accounts/<account>/projects lists it. A deleted project is refused.'),
    workzone: z.string().min(1).optional().describe("Work zone id or URN the files go to (or below which workzonePath starts). Default: the project's root work zone. A deleted work zone is refused."),
    workzonePath: z
      .string()
      .refine((value) => splitPath(value).length > 0, { message: 'give at least one work zone name, e.g. "Site A/Level 2"' })
      .optional()
      .describe('Work zone names below `workzone` (or the root), separated by "/": "Site A/Level 2". Found by name (deleted ones never), created where missing when createWorkzones; never twice, even across crashes.'),
    createWorkzones: z.boolean().default(true).describe('Create the work zones of workzonePath and of folders that do not exist yet. false: a missing one is a job error.'),
    folders: z
      .union([z.literal('workzones'), z.record(z.string().min(1), z.string().min(1))])
      .optional()
      .describe(
        'Glob sources only: where each top-level folder under source.root goes. "workzones": every top-level folder into the work zone of its name below the destination (created when missing). An object {"<folder>": "<name path or work zone id/URN>"}: the folders listed go there (paths below the destination), the others to the destination itself. Files directly under root go to the destination.',
      ),
  })
  .describe('Upload local files (scans, models, documents) to a Cintoo work zone.');

export type CintooSection = z.output<typeof configSchema>;
export type CintooSpec = z.output<typeof jobSchema>;

const refreshTokenSecret = { key: 'refreshToken', env: 'CINTOO_REFRESH_TOKEN', label: 'Cintoo first refresh token', required: false } as const;

export const cintooRegistration = defineTarget({
  type: 'cintoo',
  title: 'Cintoo',
  capabilities: CINTOO_CAPABILITIES,
  configSchema,
  jobSchema,
  secrets: [refreshTokenSecret],
  remoteSchema: cintooRemoteSchema,
  checkJob(job, problem) {
    if (job.target.folders !== undefined && job.source.type !== 'glob') {
      problem(['target', 'folders'], 'maps the top-level folders of a glob source, but this job reads a CSV manifest. Fix: remove target.folders, or use a glob source');
    }
  },
  itemRules: () => ({ source: 'file', fieldLimits: {}, fileName: { maxLength: 255, requireExtension: true, refuseEmpty: true, by: 'Cintoo' } }),
  create(deps) {
    const { section, spec, log: parentLog } = deps;
    const log = parentLog.child({ target: 'cintoo' });
    const scrub = (text: string): string => deps.secrets.scrub(text);
    const baseUrl = section.baseUrl.replace(/\/+$/, '');
    // Fleet-wide per tenant: N workers share one limit, and a 429 holds them all.
    const budget = deps.fleet ? deps.fleet.requestBudget(`cintoo ${baseUrl}`, section.requestsPerSecond) : requestBudget(section.requestsPerSecond);
    const http = cintooHttp(section.requestTimeoutMs);
    const first = readSecret('cintoo', refreshTokenSecret, section, deps);
    const source = deps.env[refreshTokenSecret.env] ? refreshTokenSecret.env : `${refreshTokenSecret.env} (or cintoo.refreshToken in ${deps.configFile ?? 'the config'})`;
    const session = new CintooSession({
      // A fleet keeps the token pair in the shared ledger: one refresher at a time across every
      // worker, and a worker needs no token of its own once the chain is there.
      vault: deps.fleet ? new SharedTokenVault(deps.fleet.document(`cintoo tokens ${baseUrl}`)) : new FileTokenVault(path.resolve(deps.configBaseDir, section.tokenFile)),
      first: { value: first, source },
      refresh: tokenRefresher(http, baseUrl, budget, scrub, deps.metrics),
      secrets: deps.secrets,
      log,
    });
    const api = new CintooApi({ baseUrl, requestTimeoutMs: section.requestTimeoutMs, tokens: session, budget, metrics: deps.metrics, scrub }, http);
    const destination = new Destination(api, spec, deps.job.file, log, deps.fleet ? deps.fleet.exclusive.bind(deps.fleet) : undefined, baseUrl);
    const run = new CintooRun({
      api,
      destination,
      settings: {
        blockThresholdBytes: section.blockThresholdBytes,
        blockSizeBytes: section.blockSizeBytes,
        blocksInFlight: section.blocksInFlight,
        hashConcurrency: section.hashConcurrency,
        signBatchSize: section.signBatchSize,
        registerBatchSize: section.registerBatchSize,
        stallTimeoutMs: section.stallTimeoutMs,
        resignMarginMs: section.resignMarginMs,
      },
      bandwidth: deps.bandwidth ?? bandwidth(deps.runner.maxBytesPerSecond),
      metrics: deps.metrics,
      log,
      scrub,
    });
    return createCintooTarget(run);
  },
  remoteId: (remote) => remote.fileUrn ?? null,
  sandbox: {
    services: ['cintoo'],
    configure: (section, sandbox) => ({ ...section, baseUrl: sandbox.cintoo!.url, refreshToken: sandbox.cintoo!.refreshToken, tokenFile: sandboxTokenFile() }),
    // The emulator has one live project; a work zone id from a real tenant cannot exist in it,
    // so only name paths (workzonePath, folders) carry over.
    configureJob: (spec, sandbox) => {
      const { workzone: _real, ...rest } = spec;
      return { ...rest, account: sandbox.cintoo!.accountId, project: sandbox.cintoo!.projectId };
    },
    describeContents(sandbox) {
      const cintoo = sandbox.inventory().cintoo;
      if (!cintoo) return [];
      const lines = [`sandbox Cintoo now holds ${cintoo.files.length} files${cintoo.duplicates.length > 0 ? ` (${cintoo.duplicates.length} duplicated)` : ''}`];
      const byZone = new Map<string, typeof cintoo.files>();
      for (const file of cintoo.files) byZone.set(file.workzonePath, [...(byZone.get(file.workzonePath) ?? []), file]);
      for (const [zone, files] of [...byZone].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`  work zone "${zone || '(root)'}": ${files.length} files`);
        for (const file of files.slice(0, 10)) lines.push(`    ${file.id}  ${file.name}  (${file.size} bytes, ${file.type}, md5 ${file.md5})`);
        if (files.length > 10) lines.push(`    ... and ${files.length - 10} more`);
      }
      return lines;
    },
    describeEndpoints: (sandbox) =>
      sandbox.cintoo
        ? [
            `  Cintoo API      ${sandbox.cintoo.url}   refresh token ${sandbox.cintoo.refreshToken}`,
            `                  account ${sandbox.cintoo.accountId}  project ${sandbox.cintoo.projectId}`,
            `                  root work zone ${sandbox.cintoo.rootWorkzoneId}   (the project list also holds a deleted twin; "Site A" under the root is deleted)`,
            `  Cintoo storage  ${sandbox.cintoo.azuriteUrl}   (Azurite behind a proxy with faults and a byte meter; /_sandbox/ on the Cintoo port too)`,
            `  Cintoo settings ${Object.entries(sandbox.cintoo.settings).map(([key, value]) => `${key}=${String(value)}`).join(' ')}`,
          ]
        : [],
    configSnippet: (sandbox) => (sandbox.cintoo ? { baseUrl: sandbox.cintoo.url, refreshToken: sandbox.cintoo.refreshToken } : undefined),
  },
});

/**
 * A token file for one `--sandbox` run: the emulator's tokens must never replace real ones in
 * the operator's token file, and they mean nothing once the emulator is gone.
 */
function sandboxTokenFile(): string {
  const file = path.join(tmpdir(), `ferry-sandbox-cintoo-tokens-${process.pid}-${Date.now().toString(36)}.json`);
  process.once('exit', () => rmSync(file, { force: true }));
  return file;
}
