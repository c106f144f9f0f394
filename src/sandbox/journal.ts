// Every request the sandbox serves, with secrets masked, so tests can assert exactly what
// ferry called (e.g. "one asset.upload_from_url per item, never two"). Entries are capped; the
// per-route counters are not, so a 100,000-item run can still be counted call by call cheaply.

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
  /** Requests per service, then per route, since the last clear (never capped). */
  readonly #counts = new Map<SandboxService, Map<string, number>>();
  readonly #cap: number;
  #seq = 0;

  constructor(cap = 200_000) {
    this.#cap = cap;
  }

  record(entry: Omit<JournalEntry, 'seq' | 'at'>): void {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(entry.params)) params[key] = SECRET_PARAMS.has(key.toLowerCase()) ? '***' : value;
    this.#entries.push({ ...entry, params, seq: ++this.#seq, at: Date.now() });
    let routes = this.#counts.get(entry.service);
    if (!routes) this.#counts.set(entry.service, (routes = new Map()));
    routes.set(entry.route, (routes.get(entry.route) ?? 0) + 1);
    // Drop the oldest tenth at once rather than shifting on every request.
    if (this.#entries.length > this.#cap) this.#entries.splice(0, Math.ceil(this.#cap / 10));
  }

  /** The kept entries (at most `cap`, the newest), oldest first. */
  entries(filter: JournalFilter = {}): JournalEntry[] {
    return this.#entries.filter((entry) => (!filter.service || entry.service === filter.service) && (!filter.route || entry.route === filter.route));
  }

  /** Requests recorded since the last clear — all of them, also those the cap has dropped. O(routes). */
  count(filter: JournalFilter = {}): number {
    let total = 0;
    for (const [service, routes] of this.#counts) {
      if (filter.service && filter.service !== service) continue;
      if (filter.route) total += routes.get(filter.route) ?? 0;
      else for (const count of routes.values()) total += count;
    }
    return total;
  }

  /** Requests per route of one service since the last clear, e.g. { 'asset.list': 12, ping: 1 }. */
  calls(service: SandboxService): Record<string, number> {
    return Object.fromEntries(this.#counts.get(service) ?? []);
  }

  clear(): void {
    this.#entries.length = 0;
    this.#counts.clear();
  }
}
