import { sandboxPorts } from '../../app/sandboxMode.ts';
import { startSandbox } from '../../sandbox/index.ts';
import { loadFaultProfile } from '../../sandbox/faults.ts';
import { loadCintooOptions } from '../../sandbox/cintoo/options.ts';

interface SandboxFlags {
  port: number;
  faults?: string;
  processingMs: number;
  failureStyle: 'http' | 'success-false';
  originRoot?: string;
  cintoo?: string;
}

export async function sandboxCommand(flags: SandboxFlags): Promise<void> {
  const sandbox = await startSandbox({
    ...sandboxPorts(flags.port),
    cincopa: { processingMs: flags.processingMs, failureStyle: flags.failureStyle },
    origin: flags.originRoot ? { root: flags.originRoot } : {},
    faults: flags.faults ? loadFaultProfile(flags.faults) : [],
    cintoo: flags.cintoo ? loadCintooOptions(flags.cintoo) : {},
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
        ? [
            `  Cintoo API      ${sandbox.cintoo.url}   refresh token ${sandbox.cintoo.refreshToken}`,
            `                  account ${sandbox.cintoo.accountId}  project ${sandbox.cintoo.projectId}`,
            `                  root work zone ${sandbox.cintoo.rootWorkzoneId}   (the project list also holds a deleted twin; "Site A" under the root is deleted)`,
            `  Cintoo storage  ${sandbox.cintoo.azuriteUrl}   (Azurite behind a proxy with faults and a byte meter; /_sandbox/ on the Cintoo port too)`,
            `  Cintoo settings ${Object.entries(sandbox.cintoo.settings).map(([key, value]) => `${key}=${String(value)}`).join(' ')}`,
          ]
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
