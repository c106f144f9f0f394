// V8 heap settings for ferry's long-running commands (`run`, `work`). They can only be given
// when a process starts: V8 sizes its heap once, and v8.setFlagsFromString afterwards has no
// effect on it.
//
// Why: an API-bound run allocates fast and keeps a little of it alive at every scavenge (the
// requests in flight). V8 grows the young generation each time the bytes that survived since
// the last growth exceed its size, so over minutes any such run reaches the largest young
// generation V8 allows (64 MB semi-spaces here): 300 MB of RSS for a job whose live heap is
// 20-50 MB. A 4 MB semi-space costs no measurable CPU at ferry's allocation rate (the live set
// per scavenge is small), and a 50 % heap growing factor collects the promoted garbage before
// the old generation triples. Measured on a 4,000-item from-URL run at concurrency 32: peak RSS
// 136 MB instead of 300 MB, CPU per item unchanged.

//
// glibc gives each thread that allocates an arena of its own (up to 8 per core), and memory freed
// in one stays there: a run has a dozen threads (libuv's pool, V8's helpers, the planning
// reader), and planning a million rows measured 10-12 MB less RSS with two arenas, at the same
// speed. Only the run's own process gets it, and never over the operator's own setting.

/** The commands that run long enough for their heap to matter. */
const LONG_RUNNING = new Set(['run', 'work']);

export const HEAP_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

export const HEAP_ENV = { MALLOC_ARENA_MAX: '2' };

/**
 * The flags to start this process with again, or [] when none are needed: a short command, or
 * the operator already chose heap sizes (on the command line or in NODE_OPTIONS).
 */
export function heapFlagsFor(argv, execArgv, nodeOptions = '') {
  if (!LONG_RUNNING.has(argv[2] ?? '')) return [];
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (given.some((flag) => /^--(max-semi-space-size|heap-growing-percent|max-heap-size)(=|$)/.test(flag.replace(/_/g, '-')))) return [];
  return HEAP_FLAGS;
}

/** The environment to start the process with again: `env` with HEAP_ENV where it sets nothing. */
export function heapEnvFor(env) {
  const result = { ...env };
  for (const [name, value] of Object.entries(HEAP_ENV)) result[name] ??= value;
  return result;
}
