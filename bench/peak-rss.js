// Loaded with `node --import` into a process the benchmarks measure: reports its peak resident
// memory (all threads) as it exits. Plain JavaScript, so measuring adds no type-stripping cost.
process.on('exit', () => process.stderr.write(`\nPEAK_RSS_KB ${process.resourceUsage().maxRSS}\n`));
