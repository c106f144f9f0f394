// The one schema for ferry's config file and job files: the single source of their types,
// defaults and documentation (config.example.json is generated from it; a test keeps them in
// step). Unknown keys are errors, because a typo silently ignored is a migration gone wrong.

import { z } from 'zod';
import { registrationFor, TARGETS, targetConfigSections } from '../targets/registry.ts';
import { durationMs, positiveInt } from './fields.ts';

/**
 * The `$schema` key editors read (VS Code, JetBrains, any YAML/JSON language server) to
 * complete and check a file; ferry accepts it and otherwise ignores it.
 */
const schemaReference = (file: string) =>
  z.string().optional().describe(`JSON Schema of this file, for editors: completion and checks of every key. ferry ignores it. In this repository: ${file}.`);

type TargetJobSchemas = [(typeof TARGETS)[number]['jobSchema'], ...(typeof TARGETS)[number]['jobSchema'][]];

export const runnerSchema = z
  .strictObject({
    concurrency: positiveInt().default(8).describe('Items processed at the same time per run (upload/API calls in flight).'),
    maxAttempts: positiveInt().default(8).describe('Failed attempts an item may spend (over all its steps) before it is quarantined as failed with its last error. Rate-limit waits do not count.'),
    itemTimeoutMs: durationMs().default(6 * 60 * 60 * 1000).describe('Time budget of one item from its first step; past it the item fails (an in-flight Cincopa fetch is aborted).'),
    leaseMs: positiveInt().default(60_000).describe('How long a claimed item stays leased without a heartbeat. A restart on the same machine reclaims a crashed run\'s items at once.'),
    backoffBaseMs: positiveInt().default(1_000).describe('First retry delay; doubles each attempt, with jitter.'),
    backoffMaxMs: positiveInt().default(5 * 60 * 1000).describe('Longest retry delay.'),
    prepareTimeoutMs: durationMs()
      .default(5 * 60 * 1000)
      .describe('How long ferry retries transient errors (5xx, 429, timeouts, refused connections) of the calls made before the first item — credentials, gallery or work zone — before it exits 75: platform unavailable, nothing lost, run again later.'),
    progressIntervalMs: positiveInt().default(10_000).describe('How often a progress line is logged when stderr is not a terminal.'),
    maxBytesPerSecond: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('Cap on the bytes per second the whole run uploads (all files together; Cintoo uploads and Cincopa direct uploads), for daytime runs on a shared link. 0 = no cap. `ferry run --max-rate 20MB` overrides it.'),
  })
  .describe('How the runner drives items. A job file may override any of these under its own "runner" key.');

export const configSchema = z
  .strictObject({
    $schema: schemaReference('schemas/config.schema.json'),
    ...targetConfigSections(),
    ledger: z
      .strictObject({
        dir: z.string().optional().describe('Folder for job ledgers (SQLite files). Default: a .ferry folder beside each job file. A PostgreSQL ledger is chosen per command with --ledger postgres://...'),
        durability: z
          .enum(['normal', 'full'])
          .default('normal')
          .describe(
            'normal: every step is saved before the next call and survives any crash or kill of ferry; full: also survives power loss (fsync per step), at about half the throughput. On PostgreSQL: normal commits without waiting for the server\'s disk (synchronous_commit off), full waits for it.',
          ),
        poolSize: positiveInt().default(4).describe('Connections each ferry process opens to a PostgreSQL ledger. Small: every statement is short, and a fleet of workers multiplies it.'),
      })
      .prefault({})
      .describe('Where ferry keeps its per-item memory.'),
    runner: runnerSchema.prefault({}),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level of the JSON lines on stderr.'),
      })
      .prefault({})
      .describe('Logging.'),
  })
  .describe('ferry config: endpoints, credentials, defaults. Secrets may come from environment variables.');

const csvSourceSchema = z
  .strictObject({
    type: z.literal('csv'),
    path: z.string().min(1).describe('CSV manifest, relative to the job file.'),
    columns: z
      .strictObject({
        source: z.string().min(1).describe('Column with the source URL (Cincopa from_url) or local file path.'),
        key: z.string().min(1).optional().describe('Column with a stable item key. Default: the source itself.'),
        title: z.string().optional().describe('Column with the title (Cincopa caption).'),
        description: z.string().optional().describe('Column with the description.'),
        tags: z.string().optional().describe('Column with comma-separated tags.'),
      })
      .describe('Which CSV header holds what.'),
    delimiter: z.string().length(1).default(',').describe('Field delimiter.'),
  })
  .describe('A CSV manifest with a header row.');

const globSourceSchema = z
  .strictObject({
    type: z.literal('glob'),
    root: z.string().min(1).describe('Folder to scan, relative to the job file. Symlinks are never followed out of it.'),
    include: z.array(z.string().min(1)).min(1).default(['**/*']).describe('Glob patterns of files to take, relative to root.'),
    exclude: z.array(z.string().min(1)).default([]).describe('Glob patterns to leave out.'),
    publicBaseUrl: z.url().optional().describe('When the files under root are also served over HTTP at this base URL, each item\'s source becomes <publicBaseUrl>/<relative path> (for Cincopa from_url).'),
  })
  .describe('Files under a folder, matched by globs.');

export const jobSchema = z
  .strictObject({
    $schema: schemaReference('schemas/job.schema.json'),
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"').optional().describe('Job name, used for the ledger file and Cincopa reference ids. Default: the job file name.'),
    source: z.discriminatedUnion('type', [csvSourceSchema, globSourceSchema]).describe('Where the items come from.'),
    target: z.discriminatedUnion('type', TARGETS.map((registration) => registration.jobSchema) as unknown as TargetJobSchemas).describe('Where the items go.'),
    removedPolicy: z
      .enum(['withdraw', 'keep'])
      .default('withdraw')
      .describe('What a re-run does with an item whose row left the manifest (or whose file was deleted) before it was uploaded: withdraw (never uploaded, counted as withdrawn; back to pending if the row returns) or keep (uploaded anyway). Items in flight finish; a plan cut short by a manifest error withdraws nothing.'),
    changePolicy: z.enum(['reupload', 'ignore']).default('reupload').describe('What a re-run does with an item whose manifest row (CSV) or size/mtime (glob) changed.'),
    runner: runnerSchema.partial().optional().describe('Overrides of the config\'s runner settings for this job.'),
  })
  .superRefine((job, ctx) => {
    // Rules that need source and target together belong to the target.
    registrationFor(job.target.type).checkJob?.(job as never, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  })
  .describe('A ferry job: these items go to that target.');

export type Config = z.infer<typeof configSchema>;
export type RunnerSettings = z.infer<typeof runnerSchema>;
export type Job = z.infer<typeof jobSchema>;
export type CsvSource = z.infer<typeof csvSourceSchema>;
export type GlobSource = z.infer<typeof globSourceSchema>;
