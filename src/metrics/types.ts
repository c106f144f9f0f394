// What the parts of a run report to the metrics, as small interfaces: targets get
// `TargetMetrics` (TargetDeps.metrics), the runner gets `RunnerMetrics`. Neither knows about
// Prometheus; metrics/runMetrics.ts implements both on one prom-client registry per run, and
// the NO_* objects below stand in when no `--metrics-port` was given, so no call site needs a
// condition. None of these methods may throw or block: they only count.

/**
 * The outcome of one HTTP request to a platform: its HTTP status code; `network` when no
 * answer came (reset, refused, DNS, timed out, cut mid-body); `aborted` when ferry itself
 * cancelled it (a second Ctrl-C, an item's time budget).
 */
export type RequestStatus = number | 'network' | 'aborted';

/**
 * Given to every target (TargetDeps.metrics). A target calls it from its HTTP client, at the
 * same edge where it classifies errors.
 *
 * Labels must stay few: `target` is the registration's `type` ("cincopa", "cintoo"); `method`
 * is a fixed name of the call — an API method (`asset.upload_from_url`), a route template
 * (`POST /bulk-files`, `PUT blob block`) or a role (`upload`) — never a URL, an id or a file
 * name, which would make one time series per item.
 */
export interface TargetMetrics {
  /** One request finished, answered or not, after `seconds` (from sending to the end of the answer). */
  request(target: string, method: string, status: RequestStatus, seconds: number): void;
  /** The platform acknowledged `bytes` of file content that ferry sent (an upload chunk, a storage block). */
  bytesSent(target: string, bytes: number): void;
  /** An access token was refreshed (e.g. Cintoo's OAuth refresh): the counter operators watch for loops. */
  tokenRefresh(target: string): void;
}

/** What the runner reports about one job's run. */
export interface RunnerMetrics {
  /** A step failed for a passing reason and the item was scheduled to retry (an attempt spent). */
  retry(state: string): void;
  /**
   * The platform pushed back and the whole target paused: `started` when the gate was open
   * until now (a new pause), `addedMs` how much later it now opens than it would have.
   */
  paused(started: boolean, addedMs: number): void;
  /** Registers how to read the run's live load at scrape time; returns the call that unregisters it. */
  observeLoad(read: () => RunnerLoad): () => void;
}

export interface RunnerLoad {
  /** Steps waiting for one of the `concurrency` slots. */
  queued: number;
  /** Steps holding a slot (talking to the platform). */
  active: number;
  /** Items claimed from the ledger and being driven (in a slot, waiting for one, or waiting for a batch). */
  inFlight: number;
}

export const NO_TARGET_METRICS: TargetMetrics = Object.freeze({
  request: () => undefined,
  bytesSent: () => undefined,
  tokenRefresh: () => undefined,
});

export const NO_RUNNER_METRICS: RunnerMetrics = Object.freeze({
  retry: () => undefined,
  paused: () => undefined,
  observeLoad: () => () => undefined,
});
