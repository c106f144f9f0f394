// The reference for the planning section (bench/sections/planning.ts): csv-parse alone reading the same file, counting rows.
// Prints one JSON line: { rows, seconds }.
//   node bench/raw-csv-parse.ts <file.csv>

import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/raw-csv-parse.ts <file.csv>');
const started = performance.now();
let rows = 0;
for await (const _record of createReadStream(file).pipe(parse({ bom: true, from_line: 2 }))) rows++;
console.log(JSON.stringify({ rows, seconds: (performance.now() - started) / 1000 }));
