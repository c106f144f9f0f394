// Seeded randomness for tests: every random fault, key or kill time comes from a seed that the
// failing assertion prints, so a failure can be replayed with FERRY_TEST_SEED=<seed>.

export function seededRandom(seed = Number(process.env.FERRY_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31))): { random: () => number; seed: number } {
  // mulberry32: small, fast and good enough for test data.
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { random, seed };
}
