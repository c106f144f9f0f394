// How a platform plugs into ferry: one registration object per target owns everything that is
// specific to it — its config section, its job `target` section, its secrets, the factory,
// the manifest rules its items must meet, its typed remote state, and the sandbox wiring.
// Nothing outside targets/ names a platform; a third platform is one folder under targets/
// plus one line in targets/registry.ts (the shape of rclone's `fs.Register(&fs.RegInfo{…})`).

import type { Logger } from 'pino';
import type { z } from 'zod';
import type { RunnerSettings } from '../config/schema.ts';
import type { FileNameRules } from '../manifest/itemChecks.ts';
import type { SecretRegistry } from '../log/redact.ts';
import type { TargetMetrics } from '../metrics/types.ts';
import type { Sandbox, SandboxServiceName } from '../sandbox/index.ts';
import type { Bandwidth } from './bandwidth.ts';
import type { Fleet } from './fleet.ts';
import type { Target, TargetCapabilities } from './types.ts';

/** A credential a target needs: read from `env` first, else from its config section's `key`. */
export interface SecretSpec {
  /** Key in the target's config section, e.g. `apiToken`. */
  key: string;
  /** Environment variable that overrides it, e.g. `CINCOPA_API_TOKEN`. */
  env: string;
  /** What it is, for messages: "Cincopa API token". */
  label: string;
  /** A run cannot start without it (a target may instead find it elsewhere, e.g. a token file). */
  required: boolean;
}

/** What a target's items must look like; the planner rejects rows that break these rules. */
export interface ItemRules {
  /** `url`: sources must be http(s) URLs; `file`: local files; `any`: either. */
  source: 'url' | 'file' | 'any';
  /** Longest accepted value (characters) per mapped field, e.g. { title: 255 }. */
  fieldLimits: Record<string, number>;
  /** Why the limits exist, appended to a rejection ("the API takes metadata in the URL"). */
  limitReason?: string;
  /** What the item's file name (and size, when the manifest knows it) must be like. */
  fileName?: FileNameRules;
}

/** Everything a target factory gets: its own config section, the job's target section, and the run's context. */
export interface TargetDeps<Section, Spec> {
  section: Section;
  spec: Spec;
  job: { name: string; file: string; baseDir: string };
  /** Folder relative paths in the config are resolved against. */
  configBaseDir: string;
  configFile: string | undefined;
  runner: RunnerSettings;
  secrets: SecretRegistry;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /**
   * The fleet, when many workers share the ledger (PostgreSQL): the target takes its request
   * budget, its exclusive lookup-or-create sections and any shared credentials from it, keyed as
   * it likes; without one it makes its own, process-local ones from its config.
   */
  fleet?: Fleet;
  /** A bandwidth cap shared beyond this process; else the target makes its own from `runner.maxBytesPerSecond`. */
  bandwidth?: Bandwidth;
  /**
   * Where the target reports its HTTP requests (`request(target, method, status, seconds)`,
   * e.g. through metrics/observeRequest.ts), acknowledged upload bytes (`bytesSent`) and token
   * refreshes (`tokenRefresh`); see metrics/types.ts for the label rules. A no-op when the run
   * serves no metrics.
   */
  metrics: TargetMetrics;
}

export interface TargetRegistration<Section = unknown, Spec extends { type: string } = { type: string }, Remote extends object = Record<string, unknown>> {
  readonly type: Spec['type'];
  /** Human name, for messages and help. */
  readonly title: string;
  readonly capabilities: TargetCapabilities;
  /** The config file's section under the key `type` (with defaults; `.prefault({})`). */
  readonly configSchema: z.ZodType<Section>;
  /** The job file's `target` section for this platform (`type` is the discriminator). */
  readonly jobSchema: z.ZodType<Spec> & z.ZodObject;
  readonly secrets: readonly SecretSpec[];
  /** The ids and progress this target keeps per item in the ledger. */
  readonly remoteSchema: z.ZodType<Remote>;
  /** Rules that need the whole job (source and target together); report each with `problem`. */
  checkJob?(job: { source: { type: string } & Record<string, unknown>; target: Spec }, problem: (path: string[], message: string) => void): void;
  itemRules(spec: Spec): ItemRules;
  create(deps: TargetDeps<Section, Spec>): Target;
  /** The platform's id for an item in reports and verify output (rid, file URN), if it has one. */
  remoteId(remote: Remote): string | null;
  readonly sandbox: SandboxWiring<Section, Spec>;
}

/** How `--sandbox` and `ferry sandbox` point this target at its emulator. */
export interface SandboxWiring<Section, Spec = unknown> {
  /** Emulators to start for this target (its own, and e.g. a media origin server). */
  services: readonly SandboxServiceName[];
  /** The config section pointed at the running emulator (endpoints, emulator credentials, quick polling). */
  configure(section: Section, sandbox: Sandbox): Section;
  /** The job's target section pointed at the emulator's own tenant (ids a real platform gave mean nothing there), when it needs that. */
  configureJob?(spec: Spec, sandbox: Sandbox): Spec;
  /** Lines describing what the emulated platform now holds, printed after a `--sandbox` run. */
  describeContents(sandbox: Sandbox): string[];
  /** Lines for `ferry sandbox`: endpoints and emulator credentials (not secrets). */
  describeEndpoints(sandbox: Sandbox): string[];
  /** This target's part of a config file that points at the emulator. */
  configSnippet(sandbox: Sandbox): Record<string, unknown> | undefined;
}

/** Identity helper that keeps a registration's types precise where it is defined. */
export function defineTarget<Section, Spec extends { type: string }, Remote extends object>(
  registration: TargetRegistration<Section, Spec, Remote>,
): TargetRegistration<Section, Spec, Remote> {
  return registration;
}
