// Rounds that alternate: every case runs once per round and the order rotates, so a noisy
// neighbour or a warming page cache hits ferry and its reference alike. Medians, never means:
// one slow round must not move the figure.

/** The order of `count` cases in `round` (0-based): rotated by one each round. */
export function roundOrder(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, index) => (index + round) % count);
}

/** Median of an odd number of values (the middle one); the lower middle for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export interface Case<T> {
  name: string;
  run: (round: number) => Promise<T>;
}

/** Runs every case once per round in rotating order; results per case name, in round order. */
export async function alternate<T>(rounds: number, cases: readonly Case<T>[], progress: (line: string) => void = () => {}): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(cases.map((entry) => [entry.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const index of roundOrder(cases.length, round)) {
      const entry = cases[index]!;
      progress(`round ${round + 1}/${rounds}: ${entry.name}`);
      results[entry.name]!.push(await entry.run(round));
    }
  }
  return results;
}
