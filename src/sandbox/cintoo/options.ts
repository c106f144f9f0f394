// The Cintoo emulator's behaviours, with their defaults in one place. Where Cintoo's documents are
// silent, the default is the harder variant for a client, and an option gives the other one, so a
// client can be tested against both (DESIGN.md: the sandbox must never be easier than the real
// platform). Settings marked "runtime" can also be changed while the sandbox runs (in-process via
// `settings`, or POST /_sandbox/settings on the Cintoo port).

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../../core/errors.ts';

export const cintooSettingsSchema = z.strictObject({
  /** runtime. Access token (JWT) lifetime. The provider gives 10,800 s (3 h); tests use seconds. */
  accessTokenTtlSec: z.number().int().positive().default(10_800),
  /** runtime. Refresh token lifetime: "valid for 21 days" per the provider (which also says "months"). */
  refreshTokenTtlSec: z.number().int().positive().default(21 * 24 * 3600),
  /** runtime. At most this many refresh tokens are valid per user; issuing one more invalidates the oldest. */
  maxRefreshTokensPerUser: z.number().int().positive().default(10),
  /** runtime. Signed upload URL lifetime, also returned as `expiresIn` (the real values are unknown). */
  sasTtlSec: z.number().int().positive().default(3_600),
  /**
   * runtime. Permissions of the signed upload URLs. 'cw' (create + write, the default): uploads work
   * but Get Block List is refused with 403 — Cintoo does not document the permissions, so a client
   * must not count on reading its own uncommitted blocks. 'rcw' also allows Get Block List.
   */
  blobSasPermissions: z.enum(['cw', 'rcw']).default('cw'),
  /**
   * runtime. Signing the same file again (same work zone, name, size and MD5): 'new' (default) gives
   * a new blob name each time, so blocks uploaded under the old URL are not part of the new blob;
   * 'same' gives the blob name signed before, so uncommitted blocks survive a re-sign.
   */
  blobNameOnResign: z.enum(['new', 'same']).default('new'),
  /**
   * runtime. Registering a blob that is already a file: 'duplicate' (default) makes another file
   * (a twin, same blob); 'same-file' answers with the file it already became. Cintoo does not say
   * which it does, so a client must never register twice blindly.
   */
  reRegister: z.enum(['duplicate', 'same-file']).default('duplicate'),
  /**
   * runtime. How register finds the upload an entry stands for. Cintoo's register body is the sign
   * body, {name, extension, size, md5}, without a blob name. 'declaration' (default): by work zone,
   * name, size and MD5, the latest signed upload; a `blobName` in the entry is ignored.
   * 'blob-name': an entry's `blobName`, when given, picks that signed upload.
   */
  registerBy: z.enum(['declaration', 'blob-name']).default('declaration'),
  /** Delete blobs signed but never registered after this long (ms); null: never. */
  cleanupUnregisteredAfterMs: z.number().int().positive().nullable().default(null),
  /** Keep storage on disk under this folder (big runs, benchmarks); default in memory (~512 MiB cap). */
  storageDir: z.string().min(1).optional(),
});

/** The settings that can change while the sandbox runs. */
export const cintooRuntimeSettingsSchema = cintooSettingsSchema.omit({ cleanupUnregisteredAfterMs: true, storageDir: true }).partial();

export type CintooSettings = z.output<typeof cintooSettingsSchema>;

export interface CintooSandboxOptions extends z.input<typeof cintooSettingsSchema> {
  /** The API's port; 0 = a free port. */
  port?: number;
  /** The storage endpoint's port (the proxy in front of Azurite); 0 = a free port. */
  azuritePort?: number;
}

/** Reads `ferry sandbox --cintoo <file>`: a JSON object of settings, checked key by key. */
export function loadCintooOptions(file: string): z.input<typeof cintooSettingsSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: the Cintoo sandbox options cannot be read as JSON (${(error as Error).message}). Fix: give a JSON object such as {"reRegister": "same-file"}.`);
  }
  const parsed = cintooSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || '(options)'}: ${issue.message}. Fix: the keys are ${Object.keys(cintooSettingsSchema.shape).join(', ')}.`);
  }
  return parsed.data;
}
