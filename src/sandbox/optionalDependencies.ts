// The sandbox's Cintoo storage is Azurite, an optional dependency: `npm install` brings it (so
// the README's demo and tests work from a clone), `npm install --omit=optional` leaves it and
// its telemetry and gRPC packages out of a lean production install, where everything but the
// Cintoo emulator works. A sandbox that needs it is stopped before it binds any port, with a
// message that says what is missing and how to get it (exit 2).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';

const require = createRequire(import.meta.url);

/** ferry's own package.json: two folders up from src/sandbox/ and from dist/sandbox/ alike. */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/** Throws a UsageError naming the package and the command that installs it when Azurite is not installed. */
export function requireAzurite(what: string): void {
  try {
    require.resolve('azurite/package.json');
  } catch {
    throw missingAzurite(what);
  }
}

export function missingAzurite(what: string, cause?: unknown): UsageError {
  const root = path.resolve(fileURLToPath(new URL('.', PACKAGE_JSON)));
  return new UsageError(
    `${what} needs the optional package azurite (the Azure Storage emulator behind Cintoo's signed upload URLs), which is not installed here (npm install --omit=optional leaves it out). ` +
      `Fix: in ${root} run \`npm install --include=optional\` (or \`npm install --no-save azurite@${azuriteRange()}\`), or start the sandbox from a full install of ferry.`,
    cause === undefined ? undefined : { cause },
  );
}

/** The version range package.json asks for, so the fix installs what ferry was tested with. */
function azuriteRange(): string {
  try {
    const manifest = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { optionalDependencies?: Record<string, string> };
    return manifest.optionalDependencies?.azurite ?? 'latest';
  } catch {
    return 'latest';
  }
}
