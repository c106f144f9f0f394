import { UsageError } from '../../core/errors.ts';
import { cincopaSettingsSchema, type CincopaSettingsInput } from '../../sandbox/cincopa/settings.ts';
import { sandboxPorts, startSandbox } from '../../sandbox/index.ts';
import { loadFaultProfile } from '../../sandbox/faults.ts';
import { TARGETS } from '../../targets/registry.ts';
import { loadCintooOptions } from '../../sandbox/cintoo/options.ts';

interface SandboxFlags {
  port: number;
  faults?: string;
  cincopaDialect: 'classic' | 'alt';
  processingMs?: number;
  failureStyle?: 'http' | 'success-false';
  authStyle?: 'http' | 'success-false';
  cincopaSet: string[];
  originRoot?: string;
  cintoo?: string;
}

export async function sandboxCommand(flags: SandboxFlags): Promise<void> {
  const sandbox = await startSandbox({
    ...sandboxPorts(flags.port),
    cincopa: cincopaSettings(flags),
    origin: flags.originRoot ? { root: flags.originRoot } : {},
    faults: flags.faults ? loadFaultProfile(flags.faults) : [],
    cintoo: flags.cintoo ? loadCintooOptions(flags.cintoo) : {},
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
      `  inventory       ${sandbox.cincopa.url.replace(/\/v2$/, '')}/_sandbox/inventory   journal: /_sandbox/journal   faults: /_sandbox/faults   settings: /_sandbox/settings`,
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

/** The flags as Cincopa settings; `--cincopa-set key=value` takes the value as JSON, else as text. */
function cincopaSettings(flags: SandboxFlags): CincopaSettingsInput {
  const raw: Record<string, unknown> = {};
  for (const pair of flags.cincopaSet) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--cincopa-set ${pair}: expected key=value. Fix: e.g. --cincopa-set referenceMatch=substring`);
    const value = pair.slice(at + 1);
    try {
      raw[pair.slice(0, at)] = JSON.parse(value);
    } catch {
      raw[pair.slice(0, at)] = value;
    }
  }
  const explicit = { dialect: flags.cincopaDialect, processingMs: flags.processingMs, failureStyle: flags.failureStyle, authStyle: flags.authStyle };
  for (const [key, value] of Object.entries(explicit)) if (value !== undefined) raw[key] = value;
  const parsed = cincopaSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const known = Object.keys(cincopaSettingsSchema.shape).join(', ');
    throw new UsageError(`--cincopa-set: ${issue.path.join('.') || '(settings)'}: ${issue.message}. Fix: settings are ${known}.`);
  }
  return parsed.data;
}
