// `--sandbox`: start the emulators in-process on their default ports and point the job at
// them. The ledger goes to a throw-away file, because the emulators forget everything when
// the process ends and a ledger that remembers remote ids they no longer hold would lie.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import type { JobContext } from './jobContext.ts';

export const SANDBOX_DEFAULT_PORT = 4710;

export interface SandboxRun {
  sandbox: Sandbox;
  close(): Promise<void>;
}

export async function attachSandbox(ctx: JobContext, options: { keepLedger?: boolean } = {}): Promise<SandboxRun> {
  const services = ctx.job.job.target.type === 'cincopa' ? (['cincopa', 'origin'] as const) : (['cincopa', 'origin', 'cintoo'] as const);
  const sandbox = await startSandbox({ ...sandboxPorts(SANDBOX_DEFAULT_PORT), services: [...services] });
  ctx.config.config.cincopa.apiUrl = sandbox.cincopa.url;
  ctx.config.config.cincopa.apiToken = sandbox.cincopa.apiToken;
  // Real credentials in the environment must never be sent to an emulator.
  ctx.env = {};
  // Emulator processing is quick; poll accordingly so the demo is snappy.
  ctx.config.config.cincopa.pollIntervalMs = Math.min(ctx.config.config.cincopa.pollIntervalMs, 200);
  let ledgerDir: string | undefined;
  if (!options.keepLedger) {
    ledgerDir = mkdtempSync(path.join(tmpdir(), 'ferry-sandbox-'));
    ctx.ledgerLocation = path.join(ledgerDir, `${ctx.job.name}.sqlite`);
  }
  ctx.log.info({ cincopa: sandbox.cincopa.url, origin: sandbox.origin.url }, 'sandbox started');
  return {
    sandbox,
    async close() {
      await sandbox.close();
      if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
    },
  };
}

/** What the emulated platform now holds, as proof beside the ledger's summary. */
export function describeSandboxContents(run: SandboxRun): string {
  const { cincopa } = run.sandbox.inventory();
  const lines = [`sandbox Cincopa now holds ${cincopa.assets.length} assets`];
  for (const gallery of cincopa.galleries) lines.push(`  gallery "${gallery.name}" (${gallery.fid}): ${gallery.members.length} assets`);
  for (const asset of cincopa.assets.slice(0, 20)) lines.push(`  ${asset.rid}  ${asset.reference_id.padEnd(24)}  ${asset.caption}  (${asset.filesize} bytes)`);
  if (cincopa.assets.length > 20) lines.push(`  ... and ${cincopa.assets.length - 20} more`);
  return `${lines.join('\n')}\n`;
}

export function sandboxPorts(first: number): { ports: { cincopa: number; origin: number; cintoo: number; azurite: number } } {
  return { ports: { cincopa: first, origin: first + 1, cintoo: first + 2, azurite: first + 3 } };
}
