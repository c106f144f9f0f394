#!/usr/bin/env node
// ferry's entry point. It runs the compiled build in dist/ (`npm run build`, which npm install
// runs too) when that build was made from the sources as they are now; otherwise, as while
// editing, the TypeScript sources themselves on Node's type stripping. Both are the same code:
// the build only spares each process and worker thread the type-stripping compiler (memory, start time).
//
// Nothing is imported before the Node version is checked: on an old Node, the first module that
// uses something newer would fail with a message about that module instead of about Node.
import { nodeVersionProblem } from './node-version.js';

const tooOld = nodeVersionProblem(process.versions.node);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}

const { BUILD_STAMP, sourceDigest } = await import('./source-digest.js');
const { readFileSync } = await import('node:fs');

function buildIsCurrent() {
  try {
    return readFileSync(BUILD_STAMP, 'utf8').trim() === sourceDigest();
  } catch {
    return false; // no build yet
  }
}

// FERRY_FORCE_CHILD=1 takes the re-launch path below on any Node (tests of signal forwarding).
const wrapped = process.env.FERRY_WRAPPED === '1';
if (wrapped) (await import('./wrapper.js')).dieWithWrapper();
const forceChild = process.env.FERRY_FORCE_CHILD === '1';
// A long-running command needs heap settings that only a process start can give (heap-flags.js).
const { heapFlagsFor, heapEnvFor } = await import('./heap-flags.js');
const heapFlags = heapFlagsFor(process.argv, process.execArgv, process.env.NODE_OPTIONS);
const relaunch = [...heapFlags, ...process.execArgv, import.meta.filename, ...process.argv.slice(2)];

if (!wrapped && !forceChild && heapFlags.length > 0 && typeof process.execve === 'function') {
  // The same process (pid, signals, stdio) becomes the run, started with the heap settings.
  process.execve(process.execPath, [process.execPath, ...relaunch], heapEnvFor(process.env));
} else if (buildIsCurrent() && !forceChild) {
  await import('../dist/cli/main.js');
} else if (process.features.typescript && (wrapped || !forceChild)) {
  await import('../src/cli/main.ts');
} else {
  // Node 22 lines before 22.18 strip types only with the flag: re-launch with it (and the heap settings).
  if (heapFlags.length > 0) Object.assign(process.env, heapEnvFor(process.env));
  (await import('./wrapper.js')).runWrapped(['--experimental-strip-types', '--disable-warning=ExperimentalWarning', ...relaunch]);
}
