// Credentials come from the config file or, preferably, from environment variables. Each
// target declares its own (targets/<platform>/registration.ts); they are resolved only for the
// platform a job targets, and registered with the scrubber at once so no log line, error or
// report can carry them.

import { UsageError } from '../core/errors.ts';
import type { SecretRegistry } from '../log/redact.ts';
import type { SecretSpec } from '../targets/registration.ts';

export interface SecretSources {
  secrets: SecretRegistry;
  env: NodeJS.ProcessEnv;
  configFile: string | undefined;
}

/** A target's credential: from its environment variable, else from `<target>.<key>` in the config. */
export function readSecret(target: string, spec: SecretSpec, section: object, sources: SecretSources): string | undefined {
  const fromConfig = (section as Record<string, unknown>)[spec.key];
  const value = sources.env[spec.env] || (typeof fromConfig === 'string' ? fromConfig : undefined);
  sources.secrets.add(value);
  return value;
}

/** As readSecret, for a credential a run cannot start without: missing is a usage error naming both places. */
export function requireSecret(target: string, spec: SecretSpec, section: object, sources: SecretSources): string {
  const value = readSecret(target, spec, section, sources);
  if (value) return value;
  const where = sources.configFile ?? '(no config file: defaults and environment)';
  throw new UsageError(
    `${where}: ${target}.${spec.key} is not set and the environment variable ${spec.env} is empty. ` +
      `Fix: export ${spec.env}=<your ${spec.label}> (or set ${target}.${spec.key} in the config file; never commit it).`,
  );
}
