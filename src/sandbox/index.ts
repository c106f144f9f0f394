// The sandbox: faithful local emulators of Cincopa (and its media origin) and Cintoo, sharing
// one request journal and one set of fault rules. `ferry sandbox` starts it on fixed ports;
// tests start it in-process on free ports.

import { Faults, type FaultRule } from './faults.ts';
import { Journal } from './journal.ts';
import { startOrigin } from './origin.ts';
import { startCincopaSandbox, type CincopaInventory } from './cincopa/server.ts';

export type { FaultRule } from './faults.ts';
export type { CincopaInventory } from './cincopa/server.ts';

export interface SandboxOptions {
  host?: string;
  /** 0 = a free port (the default). */
  ports?: { cincopa?: number; origin?: number; cintoo?: number; azurite?: number };
  cincopa?: { apiToken?: string; processingMs?: number; failureStyle?: 'http' | 'success-false' };
  origin?: { root?: string };
  faults?: FaultRule[];
  services?: ('cincopa' | 'origin' | 'cintoo')[];
}

export interface SandboxInventory {
  cincopa: CincopaInventory;
}

export interface Sandbox {
  cincopa: { url: string; apiToken: string; settings: { processingMs: number; failureStyle: 'http' | 'success-false' } };
  origin: { url: string };
  cintoo?: { url: string; refreshToken: string; accountId: string; projectId: string };
  journal: Journal;
  faults: Faults;
  inventory(): SandboxInventory;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const journal = new Journal();
  const faults = new Faults(options.faults ?? []);
  const origin = await startOrigin({ host, port: options.ports?.origin ?? 0, root: options.origin?.root, journal, faults });
  const cincopa = await startCincopaSandbox({ host, port: options.ports?.cincopa ?? 0, ...options.cincopa, journal, faults }).catch(async (error: unknown) => {
    await origin.close();
    throw error;
  });
  return {
    cincopa: { url: cincopa.url, apiToken: cincopa.apiToken, settings: cincopa.options },
    origin: { url: origin.url },
    journal,
    faults,
    inventory: () => ({ cincopa: cincopa.inventory() }),
    async close() {
      await Promise.all([cincopa.close(), origin.close()]);
    },
  };
}
