// Seeded randomness for tests: every random fault and kill time comes from one seed, printed when
// the test fails, so a failure seen once can be replayed with FERRY_TEST_SEED=<seed>.

import { onTestFailed } from 'vitest';
import type { FaultRule } from '../../src/sandbox/index.ts';
import { seededRandom } from '../../src/sandbox/faults.ts';

export interface Seeded {
  seed: number;
  /** Uniform in [0, 1). */
  random(): number;
  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number;
}

/** The test's seed (FERRY_TEST_SEED, else a fresh one), reported if the test fails. Call inside a test. */
export function useSeed(): Seeded {
  const seeded = seedOutsideTest();
  onTestFailed(() => {
    console.error(`this test used seed ${seeded.seed}: replay it with FERRY_TEST_SEED=${seeded.seed}`);
  });
  return seeded;
}

/**
 * A seed for a whole file or describe block (FERRY_TEST_SEED, else a fresh one). Nothing prints
 * it automatically: put `seed ${seed}` into the assertions' messages.
 */
export function seedOutsideTest(): Seeded {
  const seed = process.env.FERRY_TEST_SEED ? Number(process.env.FERRY_TEST_SEED) : Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  return { seed, random, between: (min, max) => min + Math.floor(random() * (max - min + 1)) };
}


/**
 * A probabilistic fault as a seeded schedule: which of a route's first `requests` requests get
 * the fault is drawn from `seeded`, and each becomes a one-shot rule (`after: n, times: 1` fires on
 * request n + 1; every rule counts every request to its route, so the rules do not shift each
 * other). Requests past `requests` get no fault. The sandbox's own `probability` draws from
 * Math.random, which no seed reaches.
 */
export function faultSchedule(seeded: Seeded, rule: Omit<FaultRule, 'probability' | 'after' | 'times'>, probability: number, requests: number): FaultRule[] {
  const rules: FaultRule[] = [];
  for (let request = 0; request < requests; request++) if (seeded.random() < probability) rules.push({ ...rule, after: request, times: 1 });
  return rules;
}
