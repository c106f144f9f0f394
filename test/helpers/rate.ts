/** Most timestamps in any half-open window of `windowMs`, from sorted times: the busiest window of a rate test. */
export function peakInWindow(times: number[], windowMs: number): number {
  let peak = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}
