// Cintoo's registration: its config section, its job `target` section, its secret, its typed
// remote state and its sandbox wiring.

import { z } from 'zod';
import { positiveInt } from '../../config/fields.ts';
import { UsageError } from '../../core/errors.ts';
import { defineTarget } from '../registration.ts';
import { cintooRemoteSchema } from './remote.ts';

const configSchema = z
  .strictObject({
    baseUrl: z.url().default('https://aec.cintoo.com').describe('Cintoo tenant base URL (dedicated tenants: https://<company>.cintoo.cloud).'),
    refreshToken: z.string().min(1).optional().describe('Initial OAuth refresh token, obtained once in a browser. Prefer the environment variable CINTOO_REFRESH_TOKEN. Rotated tokens are kept in tokenFile.'),
    tokenFile: z.string().default('.ferry/cintoo-tokens.json').describe('Where rotated Cintoo tokens are persisted (relative to the config file). Refresh tokens are single use: keep this file.'),
    requestTimeoutMs: positiveInt().default(60_000).describe('Timeout of one API request.'),
    blockSizeBytes: positiveInt().default(8 * 1024 * 1024).describe('Block size for uploads to the signed storage URL.'),
  })
  .prefault({})
  .describe('Cintoo (reality-capture platform).');

const jobSchema = z
  .strictObject({
    type: z.literal('cintoo'),
    account: z.string().min(1).describe('Account id or URN.'),
    project: z.string().min(1).describe('Project id or URN.'),
    workzone: z.string().min(1).optional().describe("Work zone id or URN. Default: the project's root work zone."),
  })
  .describe('Upload to a Cintoo work zone.');

export type CintooSection = z.output<typeof configSchema>;
export type CintooSpec = z.output<typeof jobSchema>;

export const cintooRegistration = defineTarget({
  type: 'cintoo',
  title: 'Cintoo',
  capabilities: { resumableUpload: true, idempotencyLookup: true, batchSteps: false, verify: false },
  configSchema,
  jobSchema,
  secrets: [{ key: 'refreshToken', env: 'CINTOO_REFRESH_TOKEN', label: 'Cintoo first refresh token', required: false }],
  remoteSchema: cintooRemoteSchema,
  itemRules: () => ({ source: 'file', fieldLimits: {} }),
  create(deps) {
    throw new UsageError(
      `${deps.job.file}: target.type "cintoo" is recognised, but uploading to Cintoo is not available in this version of ferry. ` +
        'Fix: run Cintoo jobs with a later ferry; `ferry validate` already checks their config, job file and manifest.',
    );
  },
  remoteId: (remote) => remote.fileUrn ?? null,
  sandbox: {
    services: ['cintoo'],
    configure: (section, sandbox) => ({ ...section, baseUrl: sandbox.cintoo!.url, refreshToken: sandbox.cintoo!.refreshToken }),
    describeContents(sandbox) {
      const cintoo = sandbox.inventory().cintoo;
      if (!cintoo) return [];
      return [`sandbox Cintoo now holds ${cintoo.files.length} files`];
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
