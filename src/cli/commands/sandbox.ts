import { sandboxPorts } from '../../app/sandboxMode.ts';
import { startSandbox } from '../../sandbox/index.ts';
import { loadFaultProfile } from '../../sandbox/faults.ts';

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
  const config = {
    cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken },
    ...(sandbox.cintoo ? { cintoo: { baseUrl: sandbox.cintoo.url, refreshToken: sandbox.cintoo.refreshToken } } : {}),
  };
  process.stdout.write(
    [
      'ferry sandbox: local emulators running (Ctrl-C to stop)',
      `  Cincopa API     ${sandbox.cincopa.url}   api_token ${sandbox.cincopa.apiToken}`,
      `  origin          ${sandbox.origin.url}   (real files from --origin-root; generated: /gen/<name>?size=<bytes>)`,
      ...(sandbox.cintoo
        ? [`  Cintoo API      ${sandbox.cintoo.url}   refresh token ${sandbox.cintoo.refreshToken}`, `                  account ${sandbox.cintoo.accountId}  project ${sandbox.cintoo.projectId}`]
        : []),
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
