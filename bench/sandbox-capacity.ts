// Capacity of the sandbox's Cincopa emulator: requests per second for ping and asset.list
// (by reference_id, as ferry looks every item up, and a plain first page) at 50 connections.
// Target: >= 5,000 req/s on a 2-core machine.
//
//   node bench/sandbox-capacity.ts [--duration 5] [--connections 50] [--in-process]
//
// autocannon runs as a child process by default: in the sandbox's own process it would take
// half of a 2-core machine's CPU from the server it measures. --in-process uses its API.

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'in-process': { type: 'boolean', default: false },
    assets: { type: 'string', default: '500' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/** Seeds `count` assets through the direct upload endpoint, each with its own reference id. */
async function seed(sandbox: Sandbox, count: number): Promise<void> {
  const token = sandbox.cincopa.apiToken;
  for (let index = 0; index < count; index++) {
    const { upload_url } = (await (await fetch(`${sandbox.cincopa.url}/asset.get_upload_url.json?api_token=${token}`)).json()) as { upload_url: string };
    const answer = await (await fetch(upload_url, { method: 'POST', body: Buffer.alloc(64, index), headers: { 'content-range': 'bytes 0-64/64', 'unique-id': `u${index}`, 'x-file-name': `seed-${index}.mp4` } })).text();
    const rid = /new resource id \d+ (\w+)/.exec(answer)?.[1];
    if (!rid) throw new Error(`seeding failed: ${answer}`);
    await fetch(`${sandbox.cincopa.url}/asset.set_meta.json?api_token=${token}&rid=${rid}&reference_id=ferry:bench:${index}`);
  }
}

async function measure(url: string): Promise<Result> {
  if (values['in-process']) {
    const autocannon = createRequire(import.meta.url)('autocannon') as (options: object) => Promise<Result>;
    return autocannon({ url, connections, duration });
  }
  const bin = path.join(import.meta.dirname, '..', 'node_modules', '.bin', 'autocannon');
  return new Promise((resolve, reject) => {
    execFile(bin, ['-c', String(connections), '-d', String(duration), '-j', url], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as Result);
    });
  });
}

const sandbox = await startSandbox({ services: ['cincopa'] });
try {
  await seed(sandbox, Number(values.assets));
  const api = (method: string, query: string): string => `${sandbox.cincopa.url}/${method}.json?api_token=${sandbox.cincopa.apiToken}${query}`;
  const targets: [string, string][] = [
    ['ping', api('ping', '')],
    ['asset.list by reference_id', api('asset.list', '&reference_id=ferry:bench:42')],
    ['asset.list first page of 50', api('asset.list', '&items_per_page=50')],
  ];
  console.log(`sandbox capacity: ${connections} connections, ${duration} s each, ${values.assets} assets, autocannon ${values['in-process'] ? 'in-process' : 'as a child process'}`);
  for (const [name, url] of targets) {
    const result = await measure(url);
    const verdict = result.requests.average >= 5_000 ? 'ok' : 'BELOW TARGET';
    console.log(
      `  ${name.padEnd(30)} ${Math.round(result.requests.average).toLocaleString('en-US').padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}  errors ${result.errors}  ${verdict}`,
    );
  }
  console.log(`  journal holds ${sandbox.journal.count().toLocaleString('en-US')} entries`);
} finally {
  await sandbox.close();
}
