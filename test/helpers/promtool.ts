// `promtool check metrics` (Debian package prometheus) on an exposition: the check Prometheus's
// own tooling makes of names, types, help texts and units. Tests skip it, visibly, where promtool
// is not installed; under CI=true (.ci/run installs it) its absence is a failure instead.

import { spawn, spawnSync } from 'node:child_process';

export const PROMTOOL: string | undefined = (() => {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
})();

/** Whether a promtool test runs here: promtool is installed, or this is CI, where it must be. */
export const PROMTOOL_REQUIRED = process.env.CI === 'true';

export const PROMTOOL_SKIP_NOTE = PROMTOOL ? '' : ' (SKIPPED: promtool is not installed; apt-get install prometheus)';

/** Runs `promtool check metrics` on `exposition`; its exit code and everything it printed. */
export function promtoolCheckMetrics(exposition: string): Promise<{ code: number | null; output: string }> {
  if (!PROMTOOL) throw new Error('promtool is not installed, and CI=true requires it: .ci/run installs the Debian package prometheus');
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}
