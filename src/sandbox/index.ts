// The sandbox: faithful local emulators of Cincopa (and its media origin) and Cintoo, sharing
// one request journal and one set of fault rules. `ferry sandbox` starts it on fixed ports;
// tests start it in-process on free ports.

import { Faults, seededRandom, type FaultRule } from './faults.ts';
import { Journal } from './journal.ts';
import { requireAzurite } from './optionalDependencies.ts';
import { startOrigin, type Origin } from './origin.ts';
import { emptyInventory, startCincopaSandbox, type CincopaInventory, type CincopaSandbox } from './cincopa/server.ts';
import type { CincopaSettings, CincopaSettingsInput } from './cincopa/settings.ts';
import { startCintooSandbox, type CintooInventory, type CintooSandbox, type CintooSandboxOptions } from './cintoo/server.ts';

export type { FaultRule, FaultKind } from './faults.ts';
export type { JournalEntry, SandboxService } from './journal.ts';
export type { CincopaInventory, InventoryAsset, InventoryGallery } from './cincopa/server.ts';
export type { CincopaDialect, CincopaSettings, CincopaSettingsInput } from './cincopa/settings.ts';
export { CINCOPA_DIALECTS, DIALECT_DEFAULTS } from './cincopa/settings.ts';
export type { CintooInventory, CintooSandboxOptions, CintooSettings, InventoryBlob, InventoryFile, TokenPair } from './cintoo/server.ts';
export type { BlobProperties } from './azurite.ts';
export { Faults, loadFaultProfile, seededRandom } from './faults.ts';
export { Journal } from './journal.ts';
export { generatedContentMd5, generatedStream } from './origin.ts';

export type SandboxServiceName = 'cincopa' | 'origin' | 'cintoo';

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = a free port (the default). */
  ports?: { cincopa?: number; origin?: number; cintoo?: number; azurite?: number };
  /** The emulated Cincopa's token, dialect and knobs (see cincopa/settings.ts; default dialect 'classic'). */
  cincopa?: CincopaSettingsInput & { apiToken?: string };
  /** `root`: a folder of real files, served under /files/<relative path>. */
  origin?: { root?: string };
  /** Passed to the Cintoo emulator: token lifetimes, SAS lifetime and permissions, re-sign and re-register behaviours, clean-up of unregistered blobs, storage on disk (see cintoo/options.ts). */
  cintoo?: Omit<CintooSandboxOptions, 'port' | 'azuritePort'>;
  faults?: FaultRule[];
  /** Seeds the probabilistic fault rules (default: Math.random), so a failing run can be replayed. */
  seed?: number;
  /** Which emulators to start; default all. */
  services?: SandboxServiceName[];
}

export interface SandboxInventory {
  cincopa: CincopaInventory;
  cintoo?: CintooInventory;
}

export interface Sandbox {
  /** `url` is the API base, e.g. http://127.0.0.1:1234/v2 (the /_sandbox/ endpoints sit beside /v2). */
  cincopa: {
    url: string;
    apiToken: string;
    /** Live: reflects later changes. */
    settings: CincopaSettings;
    /** Changes settings at run time (validated; throws on a bad key or value). */
    configure(patch: CincopaSettingsInput): CincopaSettings;
  };
  origin: { url: string };
  /** The Cintoo emulator (everything but `close`, which `Sandbox.close` does). */
  cintoo?: Omit<CintooSandbox, 'close'>;
  journal: Journal;
  faults: Faults;
  inventory(): SandboxInventory;
  close(): Promise<void>;
}

/** The fixed port layout of `ferry sandbox --port n` and `--sandbox`: n, n+1, n+2, n+3. */
export function sandboxPorts(first: number): { ports: { cincopa: number; origin: number; cintoo: number; azurite: number } } {
  return { ports: { cincopa: first, origin: first + 1, cintoo: first + 2, azurite: first + 3 } };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const wanted = new Set<SandboxServiceName>(options.services ?? ['cincopa', 'origin', 'cintoo']);
  // Before any port is bound: a lean install says what is missing instead of half starting.
  if (wanted.has('cintoo')) requireAzurite("the sandbox's Cintoo emulator");
  const journal = new Journal();
  const faults = new Faults(options.faults ?? [], options.seed === undefined ? Math.random : seededRandom(options.seed));
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(closers.splice(0).map((close) => close()));
  };

  let origin: Origin | undefined;
  let cincopa: CincopaSandbox | undefined;
  let cintoo: CintooSandbox | undefined;
  try {
    if (wanted.has('cintoo')) {
      cintoo = await startCintooSandbox({ ...options.cintoo, port: options.ports?.cintoo ?? 0, azuritePort: options.ports?.azurite ?? 0 }, { journal, faults, host });
      closers.push(cintoo.close);
    }
    if (wanted.has('origin')) {
      origin = await startOrigin({ host, port: options.ports?.origin ?? 0, root: options.origin?.root, journal, faults });
      closers.push(origin.close);
    }
    if (wanted.has('cincopa')) {
      const withCintoo = cintoo;
      const { apiToken, ...settings } = options.cincopa ?? {};
      cincopa = await startCincopaSandbox({ host, port: options.ports?.cincopa ?? 0, apiToken, settings, journal, faults, extraInventory: () => (withCintoo ? { cintoo: withCintoo.inventory() } : {}) });
      closers.push(cincopa.close);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  const started = { cincopa, origin };
  return {
    get cincopa() {
      const service = need(started.cincopa, 'cincopa');
      return { url: service.url, apiToken: service.apiToken, settings: service.settings, configure: service.configure };
    },
    get origin() {
      return { url: need(started.origin, 'origin').url };
    },
    cintoo,
    journal,
    faults,
    inventory: () => ({ cincopa: cincopa?.inventory() ?? emptyInventory(), ...(cintoo ? { cintoo: cintoo.inventory() } : {}) }),
    close: closeAll,
  };
}

/** A service left out by `services` is a caller's mistake worth a clear message, not an empty URL. */
function need<T>(service: T | undefined, name: SandboxServiceName): T {
  if (!service) throw new Error(`the sandbox was started without ${name} (options.services); add '${name}' to use it`);
  return service;
}
