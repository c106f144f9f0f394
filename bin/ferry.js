#!/usr/bin/env node
// ferry's entry point. ferry's sources are TypeScript run on Node's built-in type stripping.
// Node 23.6+/22.18+ strip types by default; older 22.x lines need the flag, so re-launch with it.
import { spawn } from 'node:child_process';

if (process.features.typescript) {
  await import('../src/cli/main.ts');
} else {
  const child = spawn(
    process.execPath,
    ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', ...process.execArgv, import.meta.filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
