// Cincopa's registration: its config section, its job `target` section, its secret, its typed
// remote state and its sandbox wiring. Everything ferry knows about Cincopa outside this folder
// comes through this object.

import { z } from 'zod';
import { durationMs, positiveInt } from '../../config/fields.ts';
import { requireSecret } from '../../config/secrets.ts';
import { bandwidth } from '../bandwidth.ts';
import { defineTarget } from '../registration.ts';
import { requestBudget } from '../requestBudget.ts';
import { CINCOPA_FIELD_LIMITS } from './fieldLimits.ts';
import { cincopaRemoteSchema } from './remote.ts';
import { CINCOPA_CAPABILITIES, createCincopaTarget } from './target.ts';

const configSchema = z
  .strictObject({
    apiUrl: z.url().default('https://api.cincopa.com/v2').describe('Base URL of the Cincopa REST API v2.'),
    apiToken: z.string().min(1).optional().describe('Cincopa API token. Prefer the environment variable CINCOPA_API_TOKEN; never commit a token.'),
    requestTimeoutMs: positiveInt().default(30_000).describe('Timeout of one API request. A direct-upload chunk is cut only when no byte moved for this long (at least 120 s), however long it takes.'),
    pollIntervalMs: positiveInt().default(1_000).describe('First wait before asset.upload_from_url_get_status is asked how a fetch is doing; each later wait is 1.5 times longer (with jitter), up to pollMaxIntervalMs.'),
    pollMaxIntervalMs: positiveInt().default(60_000).describe('Longest wait between two status polls of one fetch. With the defaults a fetch that takes 30 s costs about 7 polls, one that takes 10 min about 19.'),
    processingTimeoutMs: positiveInt().default(2 * 60 * 60 * 1000).describe('How long Cincopa may take to fetch and process one source before ferry aborts it and fails the item.'),
    galleryBatchSize: positiveInt().max(500).default(50).describe('Assets added to the gallery per gallery.add_item call (comma-joined rids).'),
    requestsPerSecond: z.number().nonnegative().default(0).describe('Most requests per second to Cincopa, API calls and upload chunks together (0 = no limit). A 429 pauses the run on top of this.'),
    legacyReferenceIds: z.boolean().default(false).describe('Also look for assets labelled by ferry 0.1 (reference id ferry:<job>:<key> without the closing ";"). Set it when re-running, with a fresh ledger, a job first uploaded by ferry 0.1.'),
    webhook: z
      .strictObject({
        publicUrl: z.url().describe('URL at which Cincopa can reach this ferry process (through your proxy or load balancer); registered with webhook.set for the run and removed after it.'),
        listen: z
          .string()
          .regex(/^[^:]*:\d+$/, 'use host:port, e.g. 0.0.0.0:8787')
          .default('0.0.0.0:8787')
          .describe('Local address the webhook receiver listens on (host:port).'),
      })
      .optional()
      .describe('Complete upload_from_url items from Cincopa webhook deliveries (asset.uploaded) instead of polling; polls continue as a slow fallback. Omit to poll.'),
    chunkSizeBytes: positiveInt().default(50 * 1024 * 1024).describe("Chunk size of direct uploads (Cincopa's own uploader uses 50 MB)."),
    submitGraceMs: durationMs()
      .default(5 * 60 * 1000)
      .describe('After an upload_from_url whose answer was lost (connection cut, ferry killed), how long ferry watches for its asset to appear before submitting again. Longer avoids duplicates of slow fetches.'),
  })
  .prefault({})
  .describe('Cincopa (video/media platform).');

const jobSchema = z
  .strictObject({
    type: z.literal('cincopa'),
    mode: z.enum(['from_url', 'direct']).default('from_url').describe('from_url: Cincopa fetches each source URL itself; direct: ferry uploads local files in chunks.'),
    gallery: z
      .strictObject({
        fid: z.string().min(1).optional().describe('Existing gallery id.'),
        name: z.string().min(1).optional().describe('Gallery name, looked up (exact match) and created when createIfMissing.'),
        createIfMissing: z.boolean().default(true).describe('Create the gallery by name when it does not exist.'),
      })
      .refine((gallery) => gallery.fid !== undefined || gallery.name !== undefined, { message: 'set gallery.fid or gallery.name' })
      .optional()
      .describe('Gallery every asset is added to. Omit to upload into the library only.'),
  })
  .describe('Upload to Cincopa.');

export type CincopaSection = z.output<typeof configSchema>;
export type CincopaSpec = z.output<typeof jobSchema>;

const apiTokenSecret = { key: 'apiToken', env: 'CINCOPA_API_TOKEN', label: 'Cincopa API token', required: true } as const;

export const cincopaRegistration = defineTarget({
  type: 'cincopa',
  title: 'Cincopa',
  capabilities: CINCOPA_CAPABILITIES,
  configSchema,
  jobSchema,
  secrets: [apiTokenSecret],
  remoteSchema: cincopaRemoteSchema,
  checkJob(job, problem) {
    // Cincopa fetches from_url sources itself, so it needs URLs, not paths on this machine.
    if (job.source.type === 'glob' && job.target.mode === 'from_url' && !job.source.publicBaseUrl) {
      problem(
        ['target', 'mode'],
        'a glob source yields local files, which Cincopa cannot fetch by URL. Fix: set target.mode to "direct", or set source.publicBaseUrl to where these files are served over HTTP',
      );
    }
  },
  itemRules: (spec) => ({
    source: spec.mode === 'from_url' ? 'url' : 'file',
    fieldLimits: CINCOPA_FIELD_LIMITS,
    limitReason: 'Cincopa takes metadata in the request URL, which servers cap at a few KB',
  }),
  create(deps) {
    const section = deps.section;
    return createCincopaTarget({
      apiUrl: section.apiUrl,
      apiToken: requireSecret('cincopa', apiTokenSecret, section, deps),
      mode: deps.spec.mode,
      jobName: deps.job.name,
      gallery: deps.spec.gallery,
      poll: { firstMs: section.pollIntervalMs, maxMs: Math.max(section.pollIntervalMs, section.pollMaxIntervalMs), factor: 1.5, jitter: 0.1 },
      processingTimeoutMs: section.processingTimeoutMs,
      chunkSizeBytes: section.chunkSizeBytes,
      submitGraceMs: section.submitGraceMs,
      requestTimeoutMs: section.requestTimeoutMs,
      legacyReferenceIds: section.legacyReferenceIds,
      galleryBatchSize: section.galleryBatchSize,
      webhook: section.webhook,
      // Fleet-wide per API endpoint: N workers share one limit, and a 429 holds them all.
      budget: deps.fleet ? deps.fleet.requestBudget(`cincopa ${section.apiUrl}`, section.requestsPerSecond) : requestBudget(section.requestsPerSecond),
      ...(deps.fleet ? { exclusive: deps.fleet.exclusive.bind(deps.fleet) } : {}),
      bandwidth: deps.bandwidth ?? bandwidth(deps.runner.maxBytesPerSecond),
      secrets: deps.secrets,
      log: deps.log.child({ target: 'cincopa' }),
      metrics: deps.metrics,
    });
  },
  remoteId: (remote) => remote.rid ?? null,
  sandbox: {
    services: ['cincopa', 'origin'],
    configure: (section, sandbox) => ({
      ...section,
      apiUrl: sandbox.cincopa.url,
      apiToken: sandbox.cincopa.apiToken,
      // Emulator processing is quick; poll accordingly so the demo is snappy.
      pollIntervalMs: Math.min(section.pollIntervalMs, 200),
      pollMaxIntervalMs: Math.min(section.pollMaxIntervalMs, 1_000),
    }),
    describeContents(sandbox) {
      const { cincopa } = sandbox.inventory();
      const lines = [`sandbox Cincopa now holds ${cincopa.assets.length} assets`];
      for (const gallery of cincopa.galleries) lines.push(`  gallery "${gallery.name}" (${gallery.fid}): ${gallery.members.length} assets`);
      for (const asset of cincopa.assets.slice(0, 20)) lines.push(`  ${asset.rid}  ${asset.reference_id.padEnd(24)}  ${asset.caption}  (${asset.filesize} bytes)`);
      if (cincopa.assets.length > 20) lines.push(`  ... and ${cincopa.assets.length - 20} more`);
      return lines;
    },
    describeEndpoints: (sandbox) => [
      `  Cincopa API     ${sandbox.cincopa.url}   api_token ${sandbox.cincopa.apiToken}`,
      `  Cincopa dialect ${sandbox.cincopa.settings.dialect}: failures ${sandbox.cincopa.settings.failureStyle}, auth ${sandbox.cincopa.settings.authStyle}, reference_id ${sandbox.cincopa.settings.referenceMatch}, gallery doubles ${sandbox.cincopa.settings.galleryDoubles}, set_meta tags ${sandbox.cincopa.settings.setMetaTags}`,
      `  origin          ${sandbox.origin.url}   (real files from --origin-root; generated: /gen/<name>?size=<bytes>)`,
    ],
    configSnippet: (sandbox) => ({ apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken }),
  },
});
