// The sandbox: faithful local emulators of Cincopa (and its media origin) and Cintoo, sharing
// one request journal and one set of fault rules. `ferry sandbox` starts it on fixed ports;
// tests start it in-process on free ports.

import { Faults, type FaultRule } from './faults.ts';
import { Journal } from './journal.ts';
import { startOrigin, type Origin } from './origin.ts';
import { startCincopaSandbox, type CincopaInventory, type CincopaSandbox } from './cincopa/server.ts';
import { startCintooSandbox, type CintooInventory, type CintooSandbox, type CintooSandboxOptions } from './cintoo/server.ts';

export type { FaultRule, FaultKind } from './faults.ts';
export type { JournalEntry, SandboxService } from './journal.ts';
export type { CincopaInventory, InventoryAsset } from './cincopa/server.ts';
export type { CintooInventory, CintooSandboxOptions, CintooSettings, InventoryBlob, InventoryFile, TokenPair } from './cintoo/server.ts';
export type { BlobProperties } from './azurite.ts';
export { Faults, loadFaultProfile } from './faults.ts';
export { Journal } from './journal.ts';
export { generatedContentMd5, generatedStream } from './origin.ts';

export type SandboxServiceName = 'cincopa' | 'origin' | 'cintoo';

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = a free port (the default). */
  ports?: { cincopa?: number; origin?: number; cintoo?: number; azurite?: number };
  cincopa?: { apiToken?: string; processingMs?: number; failureStyle?: 'http' | 'success-false' };
  /** `root`: a folder of real files, served under /files/<relative path>. */
  origin?: { root?: string };
  /** Passed to the Cintoo emulator: token lifetimes, SAS lifetime and permissions, re-sign and re-register behaviours, clean-up of unregistered blobs, storage on disk (see cintoo/options.ts). */
  cintoo?: Omit<CintooSandboxOptions, 'port' | 'azuritePort'>;
  faults?: FaultRule[];
  /** Which emulators to start; default all. */
  services?: SandboxServiceName[];
}

export interface SandboxInventory {
  cincopa: CincopaInventory;
  cintoo?: CintooInventory;
}

export interface Sandbox {
  /** `url` is the API base, e.g. http://127.0.0.1:1234/v2 (the /_sandbox/ endpoints sit beside /v2). */
  cincopa: { url: string; apiToken: string; settings: { processingMs: number; failureStyle: 'http' | 'success-false' } };
  origin: { url: string };
  /** The Cintoo emulator (everything but `close`, which `Sandbox.close` does). */
  cintoo?: Omit<CintooSandbox, 'close'>;
  journal: Journal;
  faults: Faults;
  inventory(): SandboxInventory;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const wanted = new Set<SandboxServiceName>(options.services ?? ['cincopa', 'origin', 'cintoo']);
  const journal = new Journal();
  const faults = new Faults(options.faults ?? []);
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
      cincopa = await startCincopaSandbox({ host, port: options.ports?.cincopa ?? 0, ...options.cincopa, journal, faults, extraInventory: () => (withCintoo ? { cintoo: withCintoo.inventory() } : {}) });
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
      return { url: service.url, apiToken: service.apiToken, settings: service.options };
    },
    get origin() {
      return { url: need(started.origin, 'origin').url };
    },
    cintoo,
    journal,
    faults,
    inventory: () => ({ cincopa: cincopa?.inventory() ?? { assets: [], galleries: [], webhooks: [], webhookDeliveries: 0 }, ...(cintoo ? { cintoo: cintoo.inventory() } : {}) }),
    close: closeAll,
  };
}

/** A service left out by `services` is a caller's mistake worth a clear message, not an empty URL. */
function need<T>(service: T | undefined, name: SandboxServiceName): T {
  if (!service) throw new Error(`the sandbox was started without ${name} (options.services); add '${name}' to use it`);
  return service;
}
