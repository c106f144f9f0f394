// Change detection for manifest rows: a digest of the row's mapped values. It is only ever
// compared with the previous digest of the same key, so MD5's weakness does not matter; the
// one-shot crypto.hash keeps it cheap at a million rows per plan.

import { hash } from 'node:crypto';

export function contentHash(parts: readonly string[]): string {
  // The separator keeps ["ab", "c"] and ["a", "bc"] apart.
  return hash('md5', parts.join('\u0000'), 'base64url');
}
