// ferry's Prometheus metrics on one prom-client Registry, made per `ferry run` (or per
// `ferry work` process) and passed down — never prom-client's global registry, so two runs in
// one process (tests, a worker serving many jobs) never mix their counts.
//
// Labels: `ferry_job` is the job's name. Not `job`: Prometheus attaches its own `job` label
// (the scrape job) to every series and would rename ours to `exported_job`.
//
// Item counts come from the ledger's stats, set when a plan ends and on every progress tick
// (runner.progressIntervalMs), not read on each scrape: stats() aggregates the whole ledger,
// and scrapes come at whatever rate — from whoever — must not add load to a ledger that a
// million-item run (or a fleet on one PostgreSQL) is writing.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ItemState, type LedgerStats } from '../ledger/types.ts';
import type { RequestStatus, RunnerLoad, RunnerMetrics, TargetMetrics } from './types.ts';

/** Request durations: from quick API calls (tens of ms) to 50 MB upload chunks on slow links. */
const REQUEST_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface FerryMetricsOptions {
  /** Also export Node's process metrics (process_*, nodejs_*): memory, CPU, event loop lag. Default true. */
  processMetrics?: boolean;
}

export class FerryMetrics {
  readonly registry = new Registry();
  /** What targets get (TargetDeps.metrics). */
  readonly target: TargetMetrics;
  readonly #loads = new Map<string, () => RunnerLoad>();
  readonly #items: Gauge<'ferry_job' | 'state'>;
  readonly #doneBytes: Gauge<'ferry_job'>;
  readonly #retries: Counter<'ferry_job' | 'state'>;
  readonly #pauses: Counter<'ferry_job'>;
  readonly #pausedSeconds: Counter<'ferry_job'>;

  constructor(options: FerryMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which `promtool check metrics` rejects; their per-type
      // twins (nodejs_active_handles{type=...}, ...) carry the same numbers.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    }

    this.#items = new Gauge({ name: 'ferry_items', help: "Items of the job's ledger per state (refreshed after planning and every progress interval).", labelNames: ['ferry_job', 'state'], registers });
    this.#doneBytes = new Gauge({ name: 'ferry_items_done_bytes', help: "Bytes of the job's done items, as the ledger records them.", labelNames: ['ferry_job'], registers });
    this.#retries = new Counter({ name: 'ferry_retries_total', help: 'Steps that failed for a passing reason and were scheduled to retry, by the state the item was in.', labelNames: ['ferry_job', 'state'], registers });
    this.#pauses = new Counter({ name: 'ferry_rate_limit_pauses_total', help: 'Times the platform pushed back (429, or 503 with Retry-After) and the whole target paused.', labelNames: ['ferry_job'], registers });
    this.#pausedSeconds = new Counter({ name: 'ferry_rate_limit_pause_seconds_total', help: 'Seconds the target was paused by rate limiting.', labelNames: ['ferry_job'], registers });
    this.#loadGauge('ferry_queue_depth', 'Steps waiting for a concurrency slot.', (load) => load.queued);
    this.#loadGauge('ferry_steps_in_progress', 'Steps holding a concurrency slot (talking to the platform).', (load) => load.active);
    this.#loadGauge('ferry_items_in_flight', 'Items claimed from the ledger and being driven (in a slot, queued for one, or waiting for a batch).', (load) => load.inFlight);

    const requests = new Counter({ name: 'ferry_requests_total', help: 'HTTP requests to the platforms by call and outcome (an HTTP status, "network" when no answer came, "aborted" when ferry cancelled it).', labelNames: ['target', 'method', 'status'], registers });
    const durations = new Histogram({ name: 'ferry_request_duration_seconds', help: 'Duration of HTTP requests to the platforms, answered or not.', labelNames: ['target', 'method'], buckets: REQUEST_BUCKETS, registers });
    const sent = new Counter({ name: 'ferry_upload_bytes_total', help: 'Bytes of file content ferry sent and the platform acknowledged (upload chunks, storage blocks).', labelNames: ['target'], registers });
    const refreshes = new Counter({ name: 'ferry_token_refreshes_total', help: 'Access tokens refreshed.', labelNames: ['target'], registers });
    this.target = {
      request(target: string, method: string, status: RequestStatus, seconds: number) {
        requests.inc({ target, method, status: String(status) });
        durations.observe({ target, method }, seconds);
      },
      bytesSent: (target, bytes) => sent.inc({ target }, bytes),
      tokenRefresh: (target) => refreshes.inc({ target }),
    };
  }

  /** The runner's reporting for one job. */
  runner(job: string): RunnerMetrics {
    const labels = { ferry_job: job };
    // Present from the start, so a dashboard shows 0 rather than "no data" before the first event.
    this.#pauses.inc(labels, 0);
    this.#pausedSeconds.inc(labels, 0);
    return {
      retry: (state) => this.#retries.inc({ ...labels, state }),
      paused: (started, addedMs) => {
        if (started) this.#pauses.inc(labels);
        if (addedMs > 0) this.#pausedSeconds.inc(labels, addedMs / 1000);
      },
      observeLoad: (read) => {
        this.#loads.set(job, read);
        return () => {
          if (this.#loads.get(job) === read) this.#loads.delete(job);
        };
      },
    };
  }

  /** The ledger's counts for one job. */
  ledger(job: string, stats: LedgerStats): void {
    for (const state of Object.values(ItemState)) this.#items.set({ ferry_job: job, state }, stats.counts[state]);
    this.#doneBytes.set({ ferry_job: job }, stats.bytesDone);
  }

  /** The text exposition format, as served on /metrics. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A gauge read from the runners' live load at scrape time; a finished run's series disappear. */
  #loadGauge(name: string, help: string, pick: (load: RunnerLoad) => number): void {
    const loads = this.#loads;
    new Gauge({
      name,
      help,
      labelNames: ['ferry_job'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [job, read] of loads) this.set({ ferry_job: job }, pick(read()));
      },
    });
  }
}
