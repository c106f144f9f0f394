// Credentials come from the config file or, preferably, from environment variables. They are
// resolved only for the platform a job targets, and registered with the scrubber at once so
// no log line, error or report can carry them.

import { UsageError } from '../core/errors.ts';
import type { SecretRegistry } from '../log/redact.ts';
import type { LoadedConfig } from './load.ts';

export const SECRET_ENV = {
  cincopaApiToken: 'CINCOPA_API_TOKEN',
  cintooRefreshToken: 'CINTOO_REFRESH_TOKEN',
} as const;

function configName(loaded: LoadedConfig): string {
  return loaded.file ?? '(no config file: defaults and environment)';
}

export function resolveCincopaToken(loaded: LoadedConfig, secrets: SecretRegistry, env: NodeJS.ProcessEnv = process.env): string {
  const token = env[SECRET_ENV.cincopaApiToken] || loaded.config.cincopa.apiToken;
  if (!token) {
    throw new UsageError(
      `${configName(loaded)}: cincopa.apiToken is not set and the environment variable ${SECRET_ENV.cincopaApiToken} is empty. ` +
        `Fix: export ${SECRET_ENV.cincopaApiToken}=<your Cincopa API token> (or set cincopa.apiToken in the config file; never commit it).`,
    );
  }
  secrets.add(token);
  return token;
}

/** The initial Cintoo refresh token; rotated tokens later live in cintoo.tokenFile. */
export function resolveCintooRefreshToken(loaded: LoadedConfig, secrets: SecretRegistry, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[SECRET_ENV.cintooRefreshToken] || loaded.config.cintoo.refreshToken;
  secrets.add(token);
  return token;
}
