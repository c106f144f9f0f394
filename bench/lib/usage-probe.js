// Loaded with `node --import` into every Node process the benchmarks measure (ferry, both
// builds; raw csv-parse): as it exits it reports its own peak resident memory and CPU time,
// all threads included, on one stderr line. Plain JavaScript, so measuring adds no type stripping.
// Peak memory is /proc/self/status VmHWM where there is one: getrusage's maxrss carries over
// the high-water mark of the process image before exec — the forking parent's, here the bench
// with its sandbox — so a small child would report the bench's size.
import { readFileSync } from 'node:fs';

function peakKb() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nBENCH_USAGE ${JSON.stringify({ maxRssKb: peakKb(), userUs: usage.userCPUTime, systemUs: usage.systemCPUTime })}\n`);
});
