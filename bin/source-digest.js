// The digest of ferry's sources (every file under src/, names and contents). `npm run build`
// records it in dist/.built; bin/ferry.js runs the build only while the sources still have it,
// whatever their files' dates say (a restore with old timestamps must not revive a stale build).
//   node bin/source-digest.js --record    writes dist/.built (the last step of `npm run build`)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..');
export const BUILD_STAMP = path.join(root, 'dist', '.built');

export function sourceDigest() {
  const sources = path.join(root, 'src');
  const hash = createHash('sha256');
  const files = readdirSync(sources, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  for (const file of files.map((entry) => path.relative(sources, path.join(entry.parentPath, entry.name))).sort()) {
    hash.update(file).update('\0').update(readFileSync(path.join(sources, file))).update('\0');
  }
  return hash.digest('hex');
}

if (process.argv[1] === import.meta.filename && process.argv[2] === '--record') writeFileSync(BUILD_STAMP, `${sourceDigest()}\n`);
