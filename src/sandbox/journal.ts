// Every request the sandbox serves, with secrets masked, so tests can assert exactly what
// ferry called (e.g. "one asset.upload_from_url per item, never two").

export type SandboxService = 'cincopa' | 'cincopa-upload' | 'cintoo' | 'origin' | 'azurite';

export interface JournalEntry {
  seq: number;
  at: number;
  service: SandboxService;
  method: string;
  route: string;
  params: Record<string, string>;
  status: number;
  fault?: string;
  ms: number;
}

export interface JournalFilter {
  service?: SandboxService;
  route?: string;
}

const SECRET_PARAMS = new Set(['api_token', 'access_token', 'refresh_token', 'sig', 'authorization', 'hash', 'security_key']);

export class Journal {
  readonly #entries: JournalEntry[] = [];
  readonly #cap: number;
  #seq = 0;

  constructor(cap = 200_000) {
    this.#cap = cap;
  }

  record(entry: Omit<JournalEntry, 'seq' | 'at'>): void {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(entry.params)) params[key] = SECRET_PARAMS.has(key.toLowerCase()) ? '***' : value;
    this.#entries.push({ ...entry, params, seq: ++this.#seq, at: Date.now() });
    // Drop the oldest tenth at once rather than shifting on every request.
    if (this.#entries.length > this.#cap) this.#entries.splice(0, Math.ceil(this.#cap / 10));
  }

  entries(filter: JournalFilter = {}): JournalEntry[] {
    return this.#entries.filter((entry) => (!filter.service || entry.service === filter.service) && (!filter.route || entry.route === filter.route));
  }

  count(filter: JournalFilter = {}): number {
    return this.entries(filter).length;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
