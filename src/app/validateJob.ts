// `ferry validate`: every check a run would make before its first upload, and nothing that
// changes anything: config and job schema, secrets, every manifest row (against the target's
// item rules, duplicate and conflicting keys included), the credentials and destination at the
// platform, and the reachability of (a sample of) the sources. `--offline` checks files only:
// it contacts nothing and so needs no credentials (it says which a run will need).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../core/errors.ts';
import { readSecret } from '../config/secrets.ts';
import { defaultLedgerLocation } from '../ledger/location.ts';
import { openLedger } from '../ledger/open.ts';
import type { PlanCounts } from '../ledger/types.ts';
import { eachEntry } from '../manifest/batching.ts';
import { openManifest, type ManifestSpec } from '../manifest/open.ts';
import type { ManifestItem } from '../manifest/types.ts';
import { describeConflict } from '../plan/conflicts.ts';
import { planManifest } from '../plan/planner.ts';
import type { JobContext } from './jobContext.ts';
import { manifestSpecFor } from './manifestFor.ts';
import { SourceProber } from './probeSources.ts';
import { prepareRetry, registrationOf, targetFor } from './targetFor.ts';
import { retryTransient } from '../pipeline/retryTransient.ts';
import type { ValidateSummary } from './validateSummary.ts';

export interface ValidateOptions {
  offline: boolean;
  /** How many sources to probe; 0 = all. */
  sources: number;
}

/** Longest list of rejected rows, conflicts or source problems a summary carries. */
const MAX_LISTED = 20;

export async function validateJob(ctx: JobContext, options: ValidateOptions): Promise<ValidateSummary> {
  // Creating the target resolves its secrets: a missing token fails here, before any I/O.
  // Offline, nothing is contacted, so only say which credentials a run will need.
  const online = !options.offline;
  const target = online ? targetFor(ctx) : undefined;
  const credentials = online ? [] : credentialsOf(ctx);
  const spec = manifestSpecFor(ctx.job);
  const { counts, conflicts } = await planAside(spec, ctx);

  const manifest = openManifest(spec);
  const prober = online ? new SourceProber() : undefined;
  const rejected: string[] = [];
  for await (const entry of eachEntry(manifest)) {
    if (entry.kind === 'rejected') {
      if (rejected.length < MAX_LISTED) rejected.push(entry.row.reason);
      continue;
    }
    if (prober && (options.sources === 0 || prober.probed < options.sources)) await prober.add(entry.item);
  }

  let findings: string[] = [];
  let itemProblems: number | undefined;
  let sources: ValidateSummary['sources'] = { checked: false, probed: 0, unreachable: 0, problems: [] };
  if (prober && target) {
    findings = await retryTransient(() => target.check(AbortSignal.timeout(60_000)), { ...prepareRetry(ctx), what: `checking the ${target.type} credentials and destination` });
    if (target.checkItems) {
      // What only the platform knows about the rows (e.g. the file formats it takes): a third read of the manifest.
      const checked = await retryTransient(() => target.checkItems!(itemsOf(openManifest(spec)), AbortSignal.timeout(120_000)), { ...prepareRetry(ctx), what: `checking the manifest's items at ${target.type}` });
      findings.push(...checked.lines);
      itemProblems = checked.problems;
    }
    await prober.done();
    sources = { checked: true, probed: prober.probed, unreachable: prober.problems.length, problems: prober.problems.slice(0, MAX_LISTED) };
  }
  const valid = counts.rejected === 0 && counts.conflicts === 0 && sources.unreachable === 0 && !itemProblems;
  return {
    command: 'validate',
    job: ctx.job.name,
    jobFile: ctx.job.file,
    exitCode: valid ? ExitCode.ok : ExitCode.itemsFailed,
    valid,
    offline: options.offline,
    config: ctx.config.file ?? null,
    target: { type: ctx.job.job.target.type, checked: target !== undefined, findings, ...(itemProblems === undefined ? {} : { itemProblems }) },
    credentials,
    manifest: {
      description: manifest.description,
      items: counts.added,
      rejected: counts.rejected,
      duplicates: counts.duplicates,
      conflicts: counts.conflicts,
      rejectedRows: rejected,
      conflictingRows: conflicts,
    },
    sources,
  };
}

/**
 * Plans the manifest into a throw-away ledger, exactly as a run would plan it, for what only
 * planning knows: duplicate keys and conflicting repeats. The job's own ledger is not touched.
 */
async function planAside(spec: ManifestSpec, ctx: JobContext): Promise<{ counts: PlanCounts; conflicts: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-validate-'));
  const store = await openLedger(defaultLedgerLocation(ctx.job.file, ctx.job.name, dir), { job: ctx.job.name });
  const conflicts: string[] = [];
  try {
    await store.migrate();
    const counts = await planManifest(store, spec, {
      policy: ctx.job.job.changePolicy,
      onDuplicate: (key, origin, conflict) => {
        if (conflict && conflicts.length < MAX_LISTED) conflicts.push(describeConflict(key, origin, conflict));
      },
    });
    return { counts, conflicts };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The manifest's accepted items, one by one. */
async function* itemsOf(manifest: ReturnType<typeof openManifest>): AsyncGenerator<ManifestItem> {
  for await (const entry of eachEntry(manifest)) if (entry.kind === 'item') yield entry.item;
}

/** Which credentials the job's target needs, and whether they are set, without using them. */
function credentialsOf(ctx: JobContext): ValidateSummary['credentials'] {
  const registration = registrationOf(ctx);
  const section = (ctx.config.config as unknown as Record<string, object>)[registration.type] ?? {};
  return registration.secrets
    .filter((secret) => secret.required)
    .map((secret) => ({
      label: secret.label,
      env: secret.env,
      set: readSecret(registration.type, secret, section, { secrets: ctx.secrets, env: ctx.env, configFile: ctx.config.file }) !== undefined,
    }));
}
