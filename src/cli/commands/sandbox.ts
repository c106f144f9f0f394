import { sandboxPorts, startSandbox } from '../../sandbox/index.ts';
import { loadFaultProfile } from '../../sandbox/faults.ts';
import { TARGETS } from '../../targets/registry.ts';

interface SandboxFlags {
  port: number;
  faults?: string;
  processingMs: number;
  failureStyle: 'http' | 'success-false';
  originRoot?: string;
}

export async function sandboxCommand(flags: SandboxFlags): Promise<void> {
  const sandbox = await startSandbox({
    ...sandboxPorts(flags.port),
    cincopa: { processingMs: flags.processingMs, failureStyle: flags.failureStyle },
    origin: flags.originRoot ? { root: flags.originRoot } : {},
    faults: flags.faults ? loadFaultProfile(flags.faults) : [],
  });
  const config: Record<string, unknown> = {};
  for (const registration of TARGETS) {
    const snippet = registration.sandbox.configSnippet(sandbox);
    if (snippet) config[registration.type] = snippet;
  }
  process.stdout.write(
    [
      'ferry sandbox: local emulators running (Ctrl-C to stop)',
      ...TARGETS.flatMap((registration) => registration.sandbox.describeEndpoints(sandbox)),
      `  inventory       ${sandbox.cincopa.url.replace(/\/v2$/, '')}/_sandbox/inventory   journal: /_sandbox/journal   faults: /_sandbox/faults`,
      '',
      'A config file for these endpoints (these are emulator credentials, not secrets):',
      JSON.stringify(config, null, 2),
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}
