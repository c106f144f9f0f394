// `--sandbox`: start the emulators in-process on their default ports and point the job's
// target at them (the target's registration knows how). The ledger goes to a throw-away file,
// because the emulators forget everything when the process ends and a ledger that remembers
// remote ids they no longer hold would lie.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultLedgerLocation } from '../ledger/location.ts';
import { sandboxPorts, startSandbox, type Sandbox } from '../sandbox/index.ts';
import type { JobContext } from './jobContext.ts';
import { registrationOf } from './targetFor.ts';

export const SANDBOX_DEFAULT_PORT = 4710;

export interface SandboxRun {
  sandbox: Sandbox;
  /** What the emulated platform now holds, as proof beside the ledger's summary (lines). */
  describeContents(): string[];
  close(): Promise<void>;
}

export async function attachSandbox(ctx: JobContext, options: { keepLedger?: boolean } = {}): Promise<SandboxRun> {
  const registration = registrationOf(ctx);
  const services = [...registration.sandbox.services];
  const sandbox = await startSandbox({ ...sandboxPorts(SANDBOX_DEFAULT_PORT), services });
  const sections = ctx.config.config as unknown as Record<string, unknown>;
  sections[registration.type] = registration.sandbox.configure(sections[registration.type], sandbox);
  if (registration.sandbox.configureJob) ctx.job.job.target = registration.sandbox.configureJob(ctx.job.job.target, sandbox) as typeof ctx.job.job.target;
  // Real credentials in the environment must never be sent to an emulator.
  ctx.env = {};
  let ledgerDir: string | undefined;
  if (!options.keepLedger) {
    ledgerDir = mkdtempSync(path.join(tmpdir(), 'ferry-sandbox-'));
    ctx.ledgerLocation = defaultLedgerLocation(ctx.job.file, ctx.job.name, ledgerDir);
  }
  ctx.log.info({ services }, 'sandbox started');
  return {
    sandbox,
    describeContents: () => registration.sandbox.describeContents(sandbox),
    async close() {
      await sandbox.close();
      if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
    },
  };
}
