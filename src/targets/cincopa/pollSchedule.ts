// When to ask Cincopa again how an upload_from_url is doing. Quick at first (most small
// sources are done in seconds), then backing off geometrically towards a cap, with jitter so
// thousands of items submitted together do not poll in lockstep. With the defaults (first 1 s,
// ×1.5, cap 60 s) a source that takes 30 s costs 7-8 get_status calls, one that takes 10 min
// about 17-19. With webhooks on, the cap is long: a delivery wakes the item instead.

export interface PollSchedule {
  firstMs: number;
  maxMs: number;
  factor: number;
  /** ±fraction of each wait. */
  jitter: number;
}

export function nextPollDelay(pollsSoFar: number, schedule: PollSchedule, random: () => number = Math.random): number {
  const base = Math.min(schedule.maxMs, schedule.firstMs * schedule.factor ** pollsSoFar);
  const spread = base * schedule.jitter;
  return Math.max(1, Math.round(base - spread + random() * 2 * spread));
}
