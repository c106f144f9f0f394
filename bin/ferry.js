#!/usr/bin/env node
// ferry's entry point. It runs the compiled build in dist/ (`npm run build`, which npm install
// runs too) when that build was made from the sources as they are now; otherwise, as while
// editing, the TypeScript sources themselves on Node's type stripping. Both are the same code:
// the build only spares each process and worker thread the type-stripping compiler (memory, start time).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BUILD_STAMP, sourceDigest } from './source-digest.js';

function buildIsCurrent() {
  try {
    return readFileSync(BUILD_STAMP, 'utf8').trim() === sourceDigest();
  } catch {
    return false; // no build yet
  }
}

if (buildIsCurrent()) {
  await import('../dist/cli/main.js');
} else if (process.features.typescript) {
  await import('../src/cli/main.ts');
} else {
  // Node 22 lines before 22.18 strip types only with the flag: re-launch with it.
  const child = spawn(
    process.execPath,
    ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', ...process.execArgv, import.meta.filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
